namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>DestinationRule</c> spec.</summary>
public sealed record DestinationRuleSpec
{
    public string? Host { get; init; }
    public TrafficPolicy? TrafficPolicy { get; init; }
    public IReadOnlyList<Subset>? Subsets { get; init; }
    public IReadOnlyList<string>? ExportTo { get; init; }
}

public sealed record Subset
{
    public string? Name { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public TrafficPolicy? TrafficPolicy { get; init; }
}

public sealed record TrafficPolicy
{
    public LoadBalancerSettings? LoadBalancer { get; init; }
    public ConnectionPoolSettings? ConnectionPool { get; init; }
    public OutlierDetection? OutlierDetection { get; init; }
    public ClientTlsSettings? Tls { get; init; }

    /// <summary>Per-port overrides: each field set here replaces the policy's field for that port.</summary>
    public IReadOnlyList<PortLevelTrafficPolicy>? PortLevelSettings { get; init; }
}

/// <summary>Istio's <c>TrafficPolicy.PortTrafficPolicy</c>: a traffic policy for one destination port.</summary>
public sealed record PortLevelTrafficPolicy
{
    public PortSelector? Port { get; init; }
    public LoadBalancerSettings? LoadBalancer { get; init; }
    public ConnectionPoolSettings? ConnectionPool { get; init; }
    public OutlierDetection? OutlierDetection { get; init; }
    public ClientTlsSettings? Tls { get; init; }
}

public sealed record LoadBalancerSettings
{
    /// <summary>UNSPECIFIED, RANDOM, PASSTHROUGH, ROUND_ROBIN, LEAST_REQUEST (LEAST_CONN is its deprecated alias).</summary>
    public string? Simple { get; init; }
    public ConsistentHashLb? ConsistentHash { get; init; }
    public LocalityLbSetting? LocalityLbSetting { get; init; }
}

public sealed record ConsistentHashLb
{
    public string? HttpHeaderName { get; init; }
    public HttpCookie? HttpCookie { get; init; }
    public bool? UseSourceIp { get; init; }
    public string? HttpQueryParameterName { get; init; }
    public RingHash? RingHash { get; init; }
    public long? MinimumRingSize { get; init; }
}

public sealed record HttpCookie
{
    public string? Name { get; init; }
    public string? Path { get; init; }
    public string? Ttl { get; init; }
}

public sealed record RingHash
{
    public long? MinimumRingSize { get; init; }
}

public sealed record LocalityLbSetting
{
    public bool? Enabled { get; init; }
    public IReadOnlyList<LocalityDistribute>? Distribute { get; init; }
    public IReadOnlyList<LocalityFailover>? Failover { get; init; }
    public IReadOnlyList<string>? FailoverPriority { get; init; }
}

public sealed record LocalityDistribute
{
    public string? From { get; init; }
    public IReadOnlyDictionary<string, int>? To { get; init; }
}

public sealed record LocalityFailover
{
    public string? From { get; init; }
    public string? To { get; init; }
}

public sealed record ConnectionPoolSettings
{
    public TcpSettings? Tcp { get; init; }
    public HttpSettings? Http { get; init; }
}

public sealed record TcpSettings
{
    public int? MaxConnections { get; init; }
    public string? ConnectTimeout { get; init; }
}

public sealed record HttpSettings
{
    public int? Http1MaxPendingRequests { get; init; }
    public int? Http2MaxRequests { get; init; }
    public int? MaxRequestsPerConnection { get; init; }
    public int? MaxRetries { get; init; }
    public string? IdleTimeout { get; init; }
    public string? H2UpgradePolicy { get; init; }
    public int? MaxConcurrentStreams { get; init; }
}

public sealed record OutlierDetection
{
    public int? ConsecutiveErrors { get; init; }
    public int? Consecutive5xxErrors { get; init; }
    public int? ConsecutiveGatewayErrors { get; init; }
    public string? Interval { get; init; }
    public string? BaseEjectionTime { get; init; }
    public int? MaxEjectionPercent { get; init; }
    public int? MinHealthPercent { get; init; }
}

public sealed record ClientTlsSettings
{
    /// <summary>DISABLE, SIMPLE, MUTUAL, ISTIO_MUTUAL.</summary>
    public string? Mode { get; init; }
    public string? Sni { get; init; }
    public IReadOnlyList<string>? SubjectAltNames { get; init; }

    /// <summary>PEM file of the client certificate chain presented in MUTUAL mode.</summary>
    public string? ClientCertificate { get; init; }

    /// <summary>PEM file of the client certificate's private key (MUTUAL). Never logged.</summary>
    public string? PrivateKey { get; init; }

    /// <summary>PEM file of the CAs that verify the server; without it the system trust store does.</summary>
    public string? CaCertificates { get; init; }
    public bool? InsecureSkipVerify { get; init; }

    /// <summary>A namespace credential (stored in the silos) with the client certificate, key and CA bundle.</summary>
    public string? CredentialName { get; init; }
}
