namespace Mesh.Contracts.Traffic;

/// <summary>
/// The service graph of <c>GET /api/v1/traffic/graph</c>: workloads and the edges between them over a recent window,
/// aggregated across every sidecar of the cluster.
/// </summary>
public sealed record TrafficGraph
{
    public int WindowSeconds { get; init; }
    public DateTimeOffset GeneratedAt { get; init; }
    public IReadOnlyList<TrafficNode> Nodes { get; set; } = [];
    public IReadOnlyList<TrafficEdgeView> Edges { get; set; } = [];
}

/// <summary>What nodes and edges both report about the requests they carried over the window.</summary>
public abstract record TrafficRates
{
    public double RequestsPerSecond { get; init; }

    /// <summary>Share of 5xx, 0..1; for TCP alone, the share of connections that no upstream took.</summary>
    public double ErrorRate { get; init; }

    /// <summary>Share of 4xx other than denials, 0..1.</summary>
    public double ClientErrorRate { get; init; }

    /// <summary>Requests per second refused by AuthorizationPolicy or RequestAuthentication at the destination.</summary>
    public double DeniedPerSecond { get; init; }

    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? P99Ms { get; init; }

    /// <summary>Share of requests (or TCP connections) that travelled over mutual TLS, 0..1; null when no side could tell.</summary>
    public double? MtlsShare { get; init; }

    /// <summary>Proxied TCP connections opened per second.</summary>
    public double ConnectionsPerSecond { get; init; }

    /// <summary>TCP bytes per second towards the caller (Istio's istio_tcp_sent_bytes_total).</summary>
    public double SentBytesPerSecond { get; init; }

    /// <summary>TCP bytes per second from the caller (Istio's istio_tcp_received_bytes_total).</summary>
    public double ReceivedBytesPerSecond { get; init; }

    /// <summary><c>healthy</c>, <c>degraded</c>, <c>failing</c> or <c>idle</c> (Kiali's thresholds).</summary>
    public string Health { get; set; } = "idle";
}

/// <summary>A workload (or gateway, or service, or the "unknown" caller outside the mesh), with the requests it received.</summary>
public sealed record TrafficNode : TrafficRates
{
    /// <summary><c>namespace/workload</c>, <c>service:FQDN</c>, <c>external:HOST</c> or <c>unknown</c>.</summary>
    public string Id { get; set; } = "";
    public string Namespace { get; set; } = "";
    public string Workload { get; set; } = "";
    public string App { get; set; } = "";
    public string Version { get; set; } = "";

    /// <summary>
    /// <c>workload</c>, <c>gateway</c>, <c>service</c> (a destination whose workload is not known: the request failed
    /// before an endpoint was picked), <c>external</c> (a host of a MESH_EXTERNAL ServiceEntry, named by the host) or
    /// <c>unknown</c> (callers outside the mesh).
    /// </summary>
    public string Kind { get; set; } = "workload";
}

/// <summary>Traffic from one workload to another through one service, in one protocol.</summary>
public sealed record TrafficEdgeView : TrafficRates
{
    public string Source { get; set; } = "";
    public string Target { get; set; } = "";
    public string DestinationService { get; set; } = "";

    /// <summary><c>http</c> (requests: rates, errors, latency) or <c>tcp</c> (connections and bytes).</summary>
    public string Protocol { get; set; } = "http";
    public IReadOnlyList<TrafficRouteView> Routes { get; set; } = [];
}

/// <summary>The VirtualService route and DestinationRule subset that carried part of an edge's traffic.</summary>
public sealed record TrafficRouteView
{
    public string Route { get; set; } = "";
    public string Subset { get; set; } = "";
    public double RequestsPerSecond { get; init; }
}
