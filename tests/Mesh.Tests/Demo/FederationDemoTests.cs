using System.Globalization;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Demo;

/// <summary>deploy/local/federation.sh as a person runs it: two clusters peered, failover and back, a peer's outage.</summary>
public sealed class FederationDemoTests(ITestOutputHelper output)
{
    [Fact]
    public async Task FederationScenario_SeesEveryStep_AndStopsEverythingItStarted()
    {
        var state = Path.Combine(Path.GetTempPath(), $"mesh-federation-{Guid.NewGuid():N}");
        try
        {
            await using var run = ManagedProcess.Start("federation.sh", "setsid", ["bash", Path.Combine(MeshPaths.RepositoryRoot, "deploy/local/federation.sh"), "--no-build"],
                new Dictionary<string, string?>
                {
                    ["MESH_FEDERATION_BASE_PORT"] = LocalMeshProcess.FindFreeBase().ToString(CultureInfo.InvariantCulture),
                    ["MESH_STATE_DIR"] = state,
                    ["MESH_CONFIGURATION"] = MeshPaths.Configuration,
                    ["MESH_SIDECAR"] = MeshPaths.PublishedSidecar ?? $"dotnet {MeshPaths.Sidecar}",
                }, output);
            var exitCode = await run.WaitForExitAsync(TimeSpan.FromSeconds(240));
            var text = run.Output;
            Assert.True(exitCode == 0, $"federation.sh exited {exitCode}:\n{text}");
            Assert.Contains("federation scenario: every step seen", text, StringComparison.Ordinal);
            Assert.DoesNotContain("NOT SEEN", text, StringComparison.Ordinal);
            Assert.Contains("east   east           east.mesh      dialer   Active", text, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(state, "federation", "pids")), "the script left its pids file: something it started may still run");
        }
        finally
        {
            try
            {
                Directory.Delete(state, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
