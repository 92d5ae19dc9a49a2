// The demo AI application: one program, one role per process (tokenizer, model, ranker), each beside its own
// sidecar. Calls to other services go through the sidecar's outbound port (HTTP_PROXY), like an unmodified app.
using Mesh.Demo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Mesh.Demo", LogLevel.Information);
try
{
    builder.Services.AddDemo(builder.Configuration);
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var app = builder.Build();
app.MapDemoRole();
await app.RunAsync();
return 0;
