using Mesh.Contracts.Registry;
using Mesh.Routing.Model;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// One endpoint of one cluster in a compiled configuration. Its <see cref="State"/> outlives configuration swaps
/// (same cluster and address), so outlier ejections and in-flight counts survive a config push.
/// </summary>
internal sealed class EndpointRuntime
{
    /// <param name="serviceName">The app name telemetry uses when the endpoint has no <c>app</c> label.</param>
    /// <param name="weight">Replaces the configured weight (locality <c>distribute</c> shares); null keeps it.</param>
    public EndpointRuntime(EndpointConfig config, EndpointState state, string? localZone, bool viaSidecar, string serviceName = "unknown", int? weight = null)
    {
        Config = config;
        State = state;
        var port = viaSidecar && config.SidecarPort is { } sidecarPort ? sidecarPort : config.Port;
        // A peer's gateway is addressed by the SNI it routes on: the pool of connections to it is then one per
        // destination cluster, since a passed-through connection is bound to the workload the gateway chose for it.
        var host = config.GatewaySni is { } sni ? GatewayHost(sni) : config.Address.Contains(':', StringComparison.Ordinal) ? $"[{config.Address}]" : config.Address;
        DestinationPrefix = $"http://{host}:{port}";
        Weight = Math.Max(1, weight ?? config.Weight);
        InLocalZone = localZone is not null && string.Equals(config.Zone, localZone, StringComparison.Ordinal);
        RegistryHealthy = config.Health != EndpointHealth.Unhealthy;
        Version = config.Labels.TryGetValue("version", out var version) ? version : "unknown";
        App = config.Labels.TryGetValue("app", out var app) ? app : string.IsNullOrEmpty(serviceName) ? "unknown" : serviceName;
        Workload = version is null ? App : $"{App}-{version}";
    }

    /// <summary>
    /// A host name for the SNI <c>outbound_.PORT_.SUBSET_.HOST</c> that URIs accept (a label of only <c>_</c> is
    /// refused): <c>PORT-SUBSET.HOST</c>, or <c>PORT.HOST</c> without a subset.
    /// </summary>
    internal static string GatewayHost(string sni)
    {
        var parts = sni.Split("_.", 4);
        return parts.Length < 4 ? sni.Replace('_', '-') : parts[2].Length == 0 ? $"{parts[1]}.{parts[3]}" : $"{parts[1]}-{parts[2]}.{parts[3]}";
    }

    public EndpointConfig Config { get; }
    public EndpointState State { get; }
    public string DestinationPrefix { get; }
    public int Weight { get; }
    public bool InLocalZone { get; }
    public bool RegistryHealthy { get; }
    public string Version { get; }
    public string App { get; }
    public string Workload { get; }

    /// <summary>Localities of one peer share its gateway's address, so they are told apart by the locality.</summary>
    public static string StateKey(string cluster, EndpointConfig endpoint) => endpoint.Peer is null
        ? $"{cluster}|{endpoint.Address}:{endpoint.Port}"
        : $"{cluster}|{endpoint.Address}:{endpoint.Port}|{endpoint.Region}/{endpoint.Zone}/{endpoint.Subzone}";
}

/// <summary>Mutable per-endpoint counters, updated with Interlocked from concurrent requests.</summary>
internal sealed class EndpointState
{
    public int ActiveRequests;
    public int Consecutive5xx;
    public int ConsecutiveGatewayErrors;

    /// <summary>UTC ticks until which the endpoint is ejected; 0 when it is not.</summary>
    public long EjectedUntilTicks;
    public int EjectionMultiplier;
    public int TotalEjections;

    /// <summary>Why the current (or last) ejection happened, for the silo's outlier report.</summary>
    public volatile string? EjectionReason;

    /// <summary>Load the model server reported on its metrics page (running + waiting sequences); see <see cref="ModelServerLoad"/>.</summary>
    public volatile ModelServerLoad? ScrapedLoad;

    /// <summary>The most sequences the server was ever seen running: its slots, as far as this sidecar can tell.</summary>
    public int SlotsSeen;

    /// <summary>UTC ticks until which the endpoint asked not to be sent requests (Retry-After on a 429/503); 0 when not.</summary>
    public long CooldownUntilTicks;

    public bool IsCoolingDown(long nowTicks) => Volatile.Read(ref CooldownUntilTicks) > nowTicks;

    public bool IsEjected(long nowTicks)
    {
        var until = Volatile.Read(ref EjectedUntilTicks);
        return until != 0 && until > nowTicks;
    }
}

/// <summary>
/// One scrape of a model server's metrics: sequences running and waiting, KV-cache use (0..1), and when; and how many
/// requests this sidecar had in flight to the server when the page was read, so the picker can add the ones sent since.
/// </summary>
internal sealed record ModelServerLoad(int Running, int Waiting, double KvCacheUsage, long AtTicks)
{
    public int InFlightAtScrape { get; init; }
}
