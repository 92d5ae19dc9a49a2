namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>Sidecar</c> spec: the egress hosts a workload depends on (scoping).</summary>
public sealed record SidecarSpec
{
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<IstioEgressListener>? Egress { get; init; }

    /// <summary>Where traffic for each of the workload's ports goes (Istio Sidecar ingress listeners).</summary>
    public IReadOnlyList<IstioIngressListener>? Ingress { get; init; }

    /// <summary>What the sidecar does with calls to hosts it has no route for.</summary>
    public OutboundTrafficPolicy? OutboundTrafficPolicy { get; init; }
}

public sealed record IstioIngressListener
{
    /// <summary>The workload port this listener stands for (number, protocol, name).</summary>
    public GatewayPort? Port { get; init; }
    public string? Bind { get; init; }
    public string? CaptureMode { get; init; }

    /// <summary><c>127.0.0.1:PORT</c>, <c>0.0.0.0:PORT</c>, <c>[::1]:PORT</c> or <c>unix:///path</c>: where the app listens.</summary>
    public string? DefaultEndpoint { get; init; }
    public ServerTlsSettings? Tls { get; init; }
    public ConnectionPoolSettings? ConnectionPool { get; init; }
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
