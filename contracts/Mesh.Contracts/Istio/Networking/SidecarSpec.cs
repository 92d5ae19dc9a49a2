namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>Sidecar</c> spec: the egress hosts a workload depends on (scoping).</summary>
public sealed record SidecarSpec
{
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<IstioEgressListener>? Egress { get; init; }
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
