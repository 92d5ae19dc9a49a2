using Mesh.Silo;

var builder = WebApplication.CreateBuilder(args);
builder.AddMeshSilo();

var app = builder.Build();
app.MapMeshSilo();
app.Run();

/// <summary>Entry point, public so functional tests can host the silo in-process.</summary>
public partial class Program;
