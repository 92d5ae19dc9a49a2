// SimLLM: a simulated OpenAI-compatible LLM server with a vLLM-like engine model (slots, queue, prefix cache, timing),
// so that AI-aware routing can be tested and benchmarked on a CPU-only machine. See docs/ai-traffic.md.
using Mesh.SimLlm.Hosting;

var builder = WebApplication.CreateSlimBuilder(args);
// The slim builder leaves HTTPS out; with it, "--urls https://..." and Kestrel's certificate settings work, so that
// SimLLM can stand in for an external provider that only speaks TLS (the local mesh's egress scenario).
builder.WebHost.UseKestrelHttpsConfiguration();
builder.Logging.SetMinimumLevel(LogLevel.Warning).AddFilter("Mesh.SimLlm", LogLevel.Information);
try
{
    builder.Services.AddSimLlm(builder.Configuration);
}
catch (SimLlmOptionsException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}

var app = builder.Build();
app.MapSimLlm();
await app.RunAsync();
return 0;
