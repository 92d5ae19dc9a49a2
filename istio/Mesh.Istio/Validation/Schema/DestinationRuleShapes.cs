using Mesh.Contracts.Istio.Networking;

namespace Mesh.Istio.Validation.Schema;

// Istio DestinationRule fields the contracts model leaves out: checked for type and rules, not compiled.

internal sealed record PortTrafficPolicy
{
    public PortSelector? Port { get; init; }
    public LoadBalancerSettings? LoadBalancer { get; init; }
    public ConnectionPoolSettings? ConnectionPool { get; init; }
    public OutlierDetection? OutlierDetection { get; init; }
    public ClientTlsExtras? Tls { get; init; }
}

internal sealed record ProxyProtocol
{
    [IstioEnum("V1", "V2")]
    public string? Version { get; init; }
}

internal sealed record TunnelSettings
{
    public string? Protocol { get; init; }
    public string? TargetHost { get; init; }
    public int? TargetPort { get; init; }
}

internal sealed record RetryBudget
{
    public double? Percent { get; init; }
    public int? MinRetryConcurrency { get; init; }
    public string? BudgetInterval { get; init; }
}

internal sealed record LabelSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }
}

internal sealed record WarmupConfiguration
{
    public string? Duration { get; init; }
    public double? MinimumPercent { get; init; }
    public double? Aggression { get; init; }
}

internal sealed record ZoneAwareLbSetting
{
    public bool? Enabled { get; init; }
    public IReadOnlyList<LocalityFailover>? Failover { get; init; }
    public IReadOnlyList<string>? FailoverPriority { get; init; }
    public int? MinClusterSize { get; init; }
}

internal sealed record MagLev
{
    public long? TableSize { get; init; }
}

internal sealed record CookieAttribute
{
    public string? Name { get; init; }
    public string? Value { get; init; }
}

internal sealed record TcpKeepalive
{
    public int? Probes { get; init; }
    public string? Time { get; init; }
    public string? Interval { get; init; }
}

internal sealed record Http2KeepAlive
{
    public string? Interval { get; init; }
    public string? Timeout { get; init; }
}

/// <summary>The Istio-only parts of a DestinationRule read for their rules (port-level settings, client certificates).</summary>
internal sealed record DestinationRuleExtras
{
    public LabelSelector? WorkloadSelector { get; init; }
    public TrafficPolicyExtras? TrafficPolicy { get; init; }
    public IReadOnlyList<SubsetExtras>? Subsets { get; init; }
}

internal sealed record SubsetExtras
{
    public TrafficPolicyExtras? TrafficPolicy { get; init; }
}

internal sealed record TrafficPolicyExtras
{
    public IReadOnlyList<PortTrafficPolicy>? PortLevelSettings { get; init; }
    public ClientTlsExtras? Tls { get; init; }
    public LoadBalancerExtras? LoadBalancer { get; init; }
}

internal sealed record LoadBalancerExtras
{
    public WarmupConfiguration? Warmup { get; init; }
}

/// <summary>Istio's whole client TLS settings (the contracts model has the part the sidecar uses).</summary>
internal sealed record ClientTlsExtras
{
    [IstioEnum("DISABLE", "SIMPLE", "MUTUAL", "ISTIO_MUTUAL")]
    public string? Mode { get; init; }
    public string? Sni { get; init; }
    public IReadOnlyList<string>? SubjectAltNames { get; init; }
    public string? ClientCertificate { get; init; }
    public string? PrivateKey { get; init; }
    public string? CaCertificates { get; init; }
    public string? CredentialName { get; init; }
    public string? CaCrl { get; init; }
    public bool? InsecureSkipVerify { get; init; }
}
