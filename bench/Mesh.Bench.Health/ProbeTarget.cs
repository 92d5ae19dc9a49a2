using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Bench.Health;

/// <summary>
/// One Kestrel server on every loopback address (0.0.0.0), so thousands of endpoints (127.0.x.y, one port) can be
/// registered against a single process. Counts the probes it answers.
/// </summary>
internal sealed class ProbeTarget : IAsyncDisposable
{
    private readonly WebApplication _app;
    private long _probes;

    private ProbeTarget(WebApplication app, int port)
    {
        _app = app;
        Port = port;
    }

    public int Port { get; }

    public long Probes => Interlocked.Read(ref _probes);

    public static async Task<ProbeTarget> StartAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Any, port));
        var app = builder.Build();
        var target = new ProbeTarget(app, port);
        app.Run(_ =>
        {
            Interlocked.Increment(ref target._probes);
            return Task.CompletedTask;
        });
        await app.StartAsync();
        return target;
    }

    /// <summary>The i-th distinct loopback address (127.0.0.1 is the 0th).</summary>
    public static string Address(int i) => $"127.0.{i / 250}.{i % 250 + 1}";

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
