using System.Collections;
using Mesh.Sidecar.Hosting;

SidecarTransport.PreferInlineSocketCompletions();

SidecarOptions options;
try
{
    options = SidecarOptionsParser.Parse(args, Environment.GetEnvironmentVariables());
}
catch (SidecarOptionsException ex)
{
    await Console.Error.WriteLineAsync($"mesh-sidecar: {ex.Message}");
    return 2;
}

return await SidecarHost.RunAsync(options);
