using Mesh.Silo;

var builder = WebApplication.CreateBuilder(args);
try
{
    builder.AddMeshSilo();
}
catch (Mesh.Silo.Api.SiloConfigurationException ex)
{
    await Console.Error.WriteLineAsync($"mesh-silo: {ex.Message}");
    return 2;
}

var app = builder.Build();
app.MapMeshSilo();
await app.RunAsync();
return 0;

/// <summary>Entry point, public so functional tests can host the silo in-process.</summary>
public partial class Program;
