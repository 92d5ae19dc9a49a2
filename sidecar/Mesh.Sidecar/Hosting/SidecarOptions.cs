namespace Mesh.Sidecar.Hosting;

internal enum SidecarMode
{
    Sidecar,
    Gateway,
}

internal enum AccessLogMode
{
    Stdout,
    Off,
}

/// <summary>Everything the command line and MESH_* environment variables configure. See sidecar/README.md.</summary>
internal sealed record SidecarOptions
{
    public IReadOnlyList<Uri> Silos { get; init; } = [];

    /// <summary>Bearer token for the silo; never logged.</summary>
    public string? Token { get; init; }

    public string Namespace { get; init; } = "default";
    public string? Service { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; init; } = new Dictionary<string, string>();
    public int? AppPort { get; init; }
    public int OutboundPort { get; init; } = 15001;
    public int InboundPort { get; init; } = 15006;
    public int AdminPort { get; init; } = 15000;
    public string StateFile { get; init; } = "mesh-sidecar-state.json";
    /// <summary>The workload's locality (<c>--locality region/zone/subzone</c>, <c>--zone</c>, or the topology labels).</summary>
    public string? Region { get; init; }
    public string? Zone { get; init; }
    public string? Subzone { get; init; }
    public string Id { get; init; } = "";
    public string Address { get; init; } = "127.0.0.1";
    public SidecarMode Mode { get; init; } = SidecarMode.Sidecar;

    /// <summary>HTTP version spoken to upstreams: 1.1, or 2 (h2c with prior knowledge).</summary>
    public Version UpstreamHttpVersion { get; init; } = System.Net.HttpVersion.Version11;
    public int LeaseTtlSeconds { get; init; } = 30;
    public AccessLogMode AccessLog { get; init; } = AccessLogMode.Stdout;
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// Hosts this workload calls (Istio Sidecar egress hosts: <c>ns/host</c>, <c>*/host</c>, <c>./host</c>); the silo
    /// then sends only those services. Null (no --dependencies) receives everything.
    /// </summary>
    public IReadOnlyList<string>? Dependencies { get; init; }

    /// <summary>Gateway mode: port of the HTTPS listener that terminates TLS for Gateway servers with tls SIMPLE.</summary>
    public int? GatewayHttpsPort { get; init; }

    /// <summary>PEM trust bundle that https:// silos must chain to (instead of the system trust store).</summary>
    public string? SiloCaFile { get; init; }

    /// <summary>SPIFFE ID the silo's certificate must carry when <see cref="SiloCaFile"/> is set.</summary>
    public string? SiloIdentity { get; init; }

    /// <summary>Join token proving this workload's namespace and service account to the CA; never logged. Null: no mTLS.</summary>
    public string? JoinToken { get; init; }

    /// <summary>Requested workload certificate lifetime; null lets the silo choose (24 h by default).</summary>
    public int? CertificateTtlSeconds { get; init; }

    /// <summary>How often namespace credentials named by <c>credentialName</c> are fetched again (besides on every new configuration).</summary>
    public TimeSpan CredentialRefreshInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How much of an OpenAI-style request body (POST …/completions, …/embeddings) the sidecar reads to find the
    /// model before routing; 0 turns model-aware routing off.
    /// </summary>
    public int InferenceBodyLimit { get; init; } = 64 * 1024;

    /// <summary>OpenTelemetry collector (OTLP/HTTP) that receives the sidecar's spans; null exports nothing.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>How often the sidecar sends the silo its live traffic (TrafficReport); zero turns reports off.</summary>
    public TimeSpan TrafficReportInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Version label of this workload (from --labels version=...), used in telemetry.</summary>
    public string? Version => Labels.TryGetValue("version", out var v) ? v : null;

    /// <summary>The app label of this workload (from --labels app=...), else its service, else its id.</summary>
    public string App => Labels.TryGetValue("app", out var app) ? app : Service ?? Id;

    /// <summary>Istio-style workload name: app plus version, e.g. reviews-v2.</summary>
    public string Workload => Version is null ? App : $"{App}-{Version}";
}
