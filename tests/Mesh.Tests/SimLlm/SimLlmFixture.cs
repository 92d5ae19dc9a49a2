namespace Mesh.Tests.SimLlm;

/// <summary>One SimLLM with default settings (time-scaled 100×) shared by a test class; its tests assert deltas.</summary>
public sealed class SimLlmFixture : IAsyncLifetime
{
    internal SimLlmServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await SimLlmServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (Server is not null)
        {
            await Server.DisposeAsync();
        }
    }
}
