using System.Collections.Concurrent;
using Mesh.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Health;

/// <summary>
/// A real Kestrel server on 127.0.0.1:0 standing in for a workload: answers health probes with a status the test
/// sets (or a function of time, to flap) and counts the probes per silo (<c>x-mesh-prober</c>) and per status.
/// </summary>
internal sealed class ProbeUpstream : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _byProber = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<int, int> _byStatus = new();

    private ProbeUpstream(WebApplication app) => _app = app;

    public int Port { get; private set; }

    /// <summary>Status every probe gets, unless <see cref="StatusFor"/> is set.</summary>
    public int Status { get; set; } = 200;

    /// <summary>Chooses the status per request (e.g. flapping); overrides <see cref="Status"/>.</summary>
    public Func<int>? StatusFor { get; set; }

    public IReadOnlyDictionary<string, int> ProbesBySilo => new Dictionary<string, int>(_byProber);

    public int Probes => _byProber.Values.Sum();

    public int Served(int status) => _byStatus.GetValueOrDefault(status);

    public void ResetCounts()
    {
        _byProber.Clear();
        _byStatus.Clear();
    }

    public static async Task<ProbeUpstream> StartAsync()
    {
        ProbeUpstream? upstream = null;
        var (_, port) = await LoopbackApp.StartAsync(app =>
        {
            upstream = new ProbeUpstream(app);
            app.Run(upstream.HandleAsync);
        });
        upstream!.Port = port;
        return upstream;
    }

    private Task HandleAsync(HttpContext context)
    {
        var prober = context.Request.Headers["x-mesh-prober"].ToString();
        var status = StatusFor?.Invoke() ?? Status;
        _byProber.AddOrUpdate(prober.Length == 0 ? "(none)" : prober, 1, (_, n) => n + 1);
        _byStatus.AddOrUpdate(status, 1, (_, n) => n + 1);
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
