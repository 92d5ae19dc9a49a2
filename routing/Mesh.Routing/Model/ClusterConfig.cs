using Mesh.Contracts.Registry;

namespace Mesh.Routing.Model;

/// <summary>
/// An upstream: one service host, port and optional subset, with its policies and endpoints. The name follows
/// Istio's <c>outbound|port|subset|fqdn</c> so Istio users recognize it.
/// </summary>
public sealed record ClusterConfig
{
    public string Name { get; init; } = "";

    /// <summary>Fully qualified host, e.g. <c>reviews.default.svc.cluster.local</c>.</summary>
    public string Host { get; init; } = "";
    public string Namespace { get; init; } = "default";
    public string ServiceName { get; init; } = "";
    public int Port { get; init; }
    public string? Subset { get; init; }
    public LoadBalancerConfig LoadBalancer { get; init; } = new();
    public OutlierDetectionConfig? OutlierDetection { get; init; }
    public ConnectionPoolConfig? ConnectionPool { get; init; }
    public ClusterTlsConfig Tls { get; init; } = new();
    public RateLimitConfig? RateLimit { get; init; }

    /// <summary>Token rate limits for inference requests, shared by every sidecar through the silos' token budgets.</summary>
    public TokenLimitConfig? TokenLimit { get; init; }

    /// <summary>
    /// The cluster an inference request goes to when this one's servers answer 429 or 503, or cannot be reached, before
    /// the first byte (the DestinationRule annotation <c>inference.mesh.dev/fallback</c>): another pool, or an external
    /// provider declared as a ServiceEntry.
    /// </summary>
    public string? FallbackCluster { get; init; }

    /// <summary>True for ServiceEntry hosts outside the mesh (no sidecar on the far side).</summary>
    public bool External { get; init; }
    public IReadOnlyList<EndpointConfig> Endpoints { get; init; } = [];
}

public sealed record EndpointConfig
{
    public string Address { get; init; } = "";
    public int Port { get; init; }
    public int Weight { get; init; } = 1;
    public EndpointHealth Health { get; init; } = EndpointHealth.Healthy;
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();

    /// <summary>From the <c>topology.kubernetes.io/region</c> label, else the ServiceEntry/WorkloadEntry <c>locality</c>.</summary>
    public string? Region { get; init; }

    /// <summary>From the <c>topology.kubernetes.io/zone</c> or <c>zone</c> label.</summary>
    public string? Zone { get; init; }

    /// <summary>From the <c>topology.istio.io/subzone</c> label, else the ServiceEntry/WorkloadEntry <c>locality</c>.</summary>
    public string? Subzone { get; init; }

    /// <summary>From the <c>topology.istio.io/network</c> label, else the WorkloadEntry <c>network</c>; read by <c>failoverPriority</c>.</summary>
    public string? Network { get; init; }

    /// <summary>When set, mesh traffic goes to the endpoint's sidecar inbound port instead of <see cref="Port"/>.</summary>
    public int? SidecarPort { get; init; }

    /// <summary>SPIFFE ID the endpoint's certificate must carry, when known.</summary>
    public string? Identity { get; init; }

    /// <summary>Namespace of the registry Endpoint resource behind it; null for ServiceEntry endpoints.</summary>
    public string? RegistryNamespace { get; init; }

    /// <summary>Name of the registry Endpoint resource; sidecars name it in outlier reports.</summary>
    public string? RegistryName { get; init; }

    /// <summary>
    /// The peer cluster whose east-west gateway this endpoint is (an <c>ImportedService</c> locality); null for local
    /// endpoints. Such an endpoint stands for <see cref="Weight"/> healthy workloads behind the gateway.
    /// </summary>
    public string? Peer { get; init; }

    /// <summary>
    /// For <see cref="Peer"/> endpoints: the SNI the sidecar sends so the peer's AUTO_PASSTHROUGH gateway picks the
    /// cluster (<c>outbound_.PORT_.SUBSET_.HOST</c>), while mutual TLS stays end to end with the peer's workload.
    /// </summary>
    public string? GatewaySni { get; init; }
}

public enum LoadBalancerAlgorithm
{
    RoundRobin,
    LeastRequest,
    Random,
    ConsistentHash,

    /// <summary>Model servers: prefix affinity by consistent hashing with bounded loads, fed by scraped load signals.</summary>
    InferencePicker,
}

/// <summary>Endpoint weights apply to every algorithm.</summary>
public sealed record LoadBalancerConfig
{
    public LoadBalancerAlgorithm Algorithm { get; init; } = LoadBalancerAlgorithm.RoundRobin;
    public HashKeyConfig? HashKey { get; init; }
    public long MinimumRingSize { get; init; } = 1024;

    /// <summary>
    /// Prefer endpoints closest to the sidecar's own locality (same region/zone/subzone, then region/zone, then region)
    /// while any of them is available; false is Istio's <c>localityLbSetting.enabled: false</c> and ignores the lists below.
    /// </summary>
    public bool LocalityAware { get; init; } = true;

    /// <summary>Istio <c>localityLbSetting.distribute</c>; when non-empty, it replaces the priority order.</summary>
    public IReadOnlyList<LocalityDistributeConfig> Distribute { get; init; } = [];

    /// <summary>Istio <c>localityLbSetting.failover</c> (region to region).</summary>
    public IReadOnlyList<LocalityFailoverConfig> Failover { get; init; } = [];

    /// <summary>Istio <c>localityLbSetting.failoverPriority</c>, most significant label first.</summary>
    public IReadOnlyList<FailoverPriorityLabel> FailoverPriority { get; init; } = [];

    /// <summary>Settings of <see cref="LoadBalancerAlgorithm.InferencePicker"/>; null for the other algorithms.</summary>
    public InferencePickerConfig? Inference { get; init; }
}

/// <summary>
/// How the sidecar picks among model servers (docs/ai-traffic.md): the prompt's first <see cref="PrefixBytes"/> bytes
/// choose a point on a hash ring; the endpoint owning it takes the request while its load is within
/// <see cref="LoadBound"/> times the average, and the least-loaded endpoint otherwise. Load comes from each server's
/// Prometheus <see cref="MetricsPath"/>.
/// </summary>
public sealed record InferencePickerConfig
{
    public int PrefixBytes { get; init; } = 512;
    public double LoadBound { get; init; } = 2;

    /// <summary>
    /// How many more requests may wait at the prompt's own server than at the least-loaded one before the prompt
    /// spills, so that deep queues of popular prefixes do not drift apart (docs/ai-traffic.md explains the default).
    /// </summary>
    public int QueueSlack { get; init; } = 16;
    public string MetricsPath { get; init; } = "/metrics";

    /// <summary>KV-cache use (0..1) from which a server counts as full and is passed over while others are not.</summary>
    public double KvCacheFull { get; init; } = 0.95;
}

public enum HashKeySource
{
    Header,
    Cookie,
    SourceIp,
    QueryParameter,
}

public sealed record HashKeyConfig(HashKeySource Source, string? Name);

public sealed record OutlierDetectionConfig
{
    public int Consecutive5xxErrors { get; init; } = 5;
    public int ConsecutiveGatewayErrors { get; init; }
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan BaseEjectionTime { get; init; } = TimeSpan.FromSeconds(30);
    public int MaxEjectionPercent { get; init; } = 10;
    public int MinHealthPercent { get; init; }
}

public sealed record ConnectionPoolConfig
{
    public int? MaxConnections { get; init; }
    public int? MaxPendingRequests { get; init; }
    public int? MaxRequests { get; init; }
    public int? MaxRequestsPerConnection { get; init; }
    public int? MaxRetries { get; init; }
    public TimeSpan? ConnectTimeout { get; init; }
    public TimeSpan? IdleTimeout { get; init; }
}

public enum ClusterTlsMode
{
    /// <summary>Plaintext; Istio's default when no DestinationRule says otherwise and the peer has no certificate.</summary>
    Disable,
    IstioMutual,
    Simple,

    /// <summary>Istio MUTUAL: TLS with a client certificate chosen by the operator (not the mesh CA).</summary>
    Mutual,
}

public sealed record ClusterTlsConfig
{
    public ClusterTlsMode Mode { get; init; } = ClusterTlsMode.Disable;

    /// <summary>True when a DestinationRule set <c>tls</c>; false means Istio's auto-mTLS decides.</summary>
    public bool Explicit { get; init; }
    public string? Sni { get; init; }
    public IReadOnlyList<string> SubjectAltNames { get; init; } = [];

    /// <summary>SIMPLE/MUTUAL origination: PEM file of the CAs that verify the server (null: the system trust store).</summary>
    public string? CaCertificates { get; init; }

    /// <summary>MUTUAL origination: PEM files of the client certificate chain and its key (the key is never logged).</summary>
    public string? ClientCertificate { get; init; }
    public string? PrivateKey { get; init; }
    public bool InsecureSkipVerify { get; init; }

    /// <summary>A namespace credential (client certificate, key, CA bundle) the sidecar fetches from the silos, instead of files.</summary>
    public string? CredentialName { get; init; }
}

/// <summary>Local token bucket: <see cref="TokensPerFill"/> tokens every <see cref="FillInterval"/>, up to <see cref="MaxTokens"/>.</summary>
public sealed record RateLimitConfig(int MaxTokens, int TokensPerFill, TimeSpan FillInterval);

/// <summary>
/// Prompt and completion tokens per minute (0: that kind is not limited) per client of the budget <see cref="Rule"/>
/// (<c>namespace/DestinationRule name</c>). The client is the request header <see cref="KeyHeader"/>, or the calling
/// workload's identity when it is null.
/// </summary>
public sealed record TokenLimitConfig(string Rule, long PromptPerMinute, long CompletionPerMinute, string? KeyHeader);
