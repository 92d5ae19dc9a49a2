using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Certificates;

/// <summary>One real silo process with the embedded in-memory store (and so an ephemeral KEK), shared by a test class.</summary>
public sealed class InMemorySiloFixture : IAsyncLifetime
{
    private SiloProcess? _silo;

    internal SiloProcess Silo => _silo ?? throw new InvalidOperationException("silo not started");

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(settings: new Dictionary<string, string?>
        {
            ["Mesh__Ca__TrustDomain"] = "mesh.test",
            ["MESH_CA_KEK"] = null,
        });
        await new CaClient(_silo).WaitForBundleAsync();
    }

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
