namespace Mesh.Sidecar.Telemetry;

/// <summary>What one proxied request reports to metrics and the access log. A struct: no allocation per request.</summary>
internal struct RequestRecord
{
    public bool Inbound;
    public DateTimeOffset StartTime;
    public string Method;
    public string Path;
    public string Authority;
    public string Protocol;
    public int StatusCode;
    public string ResponseFlags;
    public double DurationMs;
    public long RequestBytes;
    public long ResponseBytes;
    public string DestinationService;
    public string DestinationServiceName;
    public string DestinationNamespace;
    public string DestinationVersion;
    public string DestinationWorkload;
    public string DestinationApp;

    /// <summary>SPIFFE ID of the destination, "unknown" unless this is the destination and the hop was mutual TLS.</summary>
    public string DestinationPrincipal;

    public PeerWorkload Source;

    /// <summary>SPIFFE ID of the caller: verified from its certificate (destination side) or this workload's own (source side, mTLS).</summary>
    public string SourcePrincipal;

    /// <summary>The hop was mutual TLS.</summary>
    public bool MutualTls;

    /// <summary>Refused at the destination by AuthorizationPolicy (403) or RequestAuthentication (401).</summary>
    public bool Denied;

    /// <summary><c>http</c> or <c>grpc</c>, Istio's request_protocol.</summary>
    public string RequestProtocol;

    public string? Subset;
    public string? Route;
    public string? UpstreamCluster;
    public string? UpstreamHost;
    public int Retries;
    public string TraceId;
    public string SpanId;
    public string? ParentSpanId;

    /// <summary>Inference requests only: the body's model (null when none) and the usage counted from the response.</summary>
    public bool Inference;
    public string? Model;
    public long? PromptTokens;
    public long? CompletionTokens;

    /// <summary>Why the model-server endpoint picker chose the endpoint (null when another balancer picked).</summary>
    public string? PickReason;
}

/// <summary>Envoy response flags as Istio reports them in <c>response_flags</c>.</summary>
internal static class ResponseFlags
{
    public const string None = "-";
    public const string Overflow = "UO";
    public const string UpstreamFailure = "UF";
    public const string RetryLimitExceeded = "URX";
    public const string Timeout = "UT";
    public const string NoRoute = "NR";
    public const string RateLimited = "RL";
    public const string DelayInjected = "DI";
    public const string FaultInjected = "FI";
    public const string NoHealthyUpstream = "UH";
    public const string UpstreamReset = "UR";
    public const string DownstreamTerminated = "DC";
    public const string DownstreamProtocolError = "DPE";
}
