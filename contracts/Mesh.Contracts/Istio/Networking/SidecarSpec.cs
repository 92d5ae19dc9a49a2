namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>Sidecar</c> spec: the egress hosts a workload depends on (scoping).</summary>
public sealed record SidecarSpec
{
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<IstioEgressListener>? Egress { get; init; }

    /// <summary>What the sidecar does with calls to hosts it has no route for.</summary>
    public OutboundTrafficPolicy? OutboundTrafficPolicy { get; init; }
}

public sealed record OutboundTrafficPolicy
{
    /// <summary><c>REGISTRY_ONLY</c> (Istio's enum default: unknown hosts are refused) or <c>ALLOW_ANY</c> (passed through).</summary>
    public string? Mode { get; init; }

    /// <summary>With ALLOW_ANY, unknown hosts go to this destination (e.g. an egress proxy) instead of straight out.</summary>
    public Destination? EgressProxy { get; init; }
}

public sealed record IstioEgressListener
{
    /// <summary>
    /// With a port, the sidecar opens a listener of its own on 127.0.0.1 at that port for the hosts below (Istio's
    /// way without traffic capture); TCP and TLS protocols are proxied as connections, routed by tcp/tls routes.
    /// </summary>
    public GatewayPort? Port { get; init; }

    /// <summary><c>namespace/dnsName</c> entries; <c>*</c> and <c>.</c> (own namespace) are allowed for the namespace.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }
}
