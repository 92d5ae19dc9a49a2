namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>Sidecar</c> spec: the egress hosts a workload depends on (scoping).</summary>
public sealed record SidecarSpec
{
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<IstioEgressListener>? Egress { get; init; }
}

public sealed record IstioEgressListener
{
    /// <summary><c>namespace/dnsName</c> entries; <c>*</c> and <c>.</c> (own namespace) are allowed for the namespace.</summary>
    public IReadOnlyList<string>? Hosts { get; init; }
}
