// The demo AI application: one program, one role per process (tokenizer, model, ranker), each beside its own
// sidecar. Calls to other services go through the sidecar's outbound port (HTTP_PROXY), like an unmodified app.
using Mesh.Demo.Hosting;

var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.Services.AddDemo(builder.Configuration);

var app = builder.Build();
app.MapDemoRole();
app.Run();
