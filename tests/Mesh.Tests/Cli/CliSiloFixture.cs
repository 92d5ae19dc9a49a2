using Mesh.Tests.Infrastructure;

namespace Mesh.Tests.Cli;

/// <summary>One real silo (in-memory store) per test class; tests isolate themselves by namespace.</summary>
public sealed class CliSiloFixture : IAsyncLifetime
{
    private SiloProcess? _silo;

    internal SiloProcess Silo => _silo ?? throw new InvalidOperationException("silo not started");

    public async Task InitializeAsync() => _silo = await SiloProcess.StartAsync();

    public async Task DisposeAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}
