using Mesh.Contracts.Cluster;
namespace Mesh.Silo;

/// <summary>
/// Every setting of a silo. Bound from configuration section <c>Mesh</c> (so env <c>Mesh__AdminToken</c>,
/// <c>Mesh__Postgres</c>, ...). docs/operations.md lists them all.
/// </summary>
internal sealed record SiloOptions
{
    /// <summary>PostgreSQL connection string; empty means the embedded in-memory store (single silo only).</summary>
    public string? Postgres { get; init; }

    /// <summary>Bearer token with the admin role (writes). Also read from env MESH_ADMIN_TOKEN.</summary>
    public string? AdminToken { get; init; }

    /// <summary>Bearer tokens with the read-only role.</summary>
    public IReadOnlyList<string> ReadOnlyTokens { get; init; } = [];

    /// <summary>When true, reads need a token too (admin or read-only).</summary>
    public bool ProtectReads { get; init; }

    /// <summary>JWTs from an OpenID Connect provider, accepted beside the static tokens (section <c>Mesh:AdminJwt</c>).</summary>
    public Api.AdminJwtSettings AdminJwt { get; init; } = new();

    /// <summary>
    /// OpenTelemetry collector (OTLP/HTTP): the silo's request and grain-call spans and its metrics go there. Empty:
    /// nothing is exported (metrics stay on /metrics).
    /// </summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Unique id of this silo; generated when empty.</summary>
    public string SiloId { get; init; } = "";

    /// <summary>Address other components reach this silo's API at.</summary>
    public string? AdvertisedAddress { get; init; }

    public long MaxRequestBodyBytes { get; init; } = 1024 * 1024;

    /// <summary>Change-log poll: how soon a silo that missed a change notice converges anyway.</summary>
    public TimeSpan ChangePollInterval { get; init; } = TimeSpan.FromSeconds(1);

    public int ChangePageSize { get; init; } = 5000;

    /// <summary>Change entries kept in memory for deltas; subscribers further behind get a snapshot.</summary>
    public int RecentChangesRetained { get; init; } = 200_000;

    /// <summary>Change-log rows kept in the database behind the newest revision before compaction.</summary>
    public long ChangeLogRetainedRevisions { get; init; } = 100_000;

    public TimeSpan CompactionInterval { get; init; } = TimeSpan.FromMinutes(1);

    public TimeSpan LeaseSweepInterval { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>
    /// After the silo starts or its database comes back, no lease is expired for this long: renewals were impossible
    /// while the database was down, and sidecars need a renewal period to catch up.
    /// </summary>
    public TimeSpan LeaseSweepGraceAfterOutage { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>HTTP/2 connection silence after which the silo sends a PING (keepalive of subscription streams).</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A PING unanswered for this long closes the connection, ending its subscriptions.</summary>
    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>A subscription stream must send its first request (subscribe) within this time.</summary>
    public TimeSpan SubscriberTimeout { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan SubscriberStatusFlushInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A subscriber is shown stale when a push waited this long for its ACK, or when it stopped its traffic reports for
    /// two and a half report intervals and at least this long (checked at every status flush).
    /// </summary>
    public TimeSpan SubscriberStaleAfter { get; init; } = TimeSpan.FromMilliseconds(2500);

    /// <summary>Largest gRPC message accepted from a subscriber.</summary>
    public int MaxClientFrameBytes { get; init; } = 64 * 1024;

    /// <summary>Lease length when an endpoint registration gives none and is made by a sidecar; 0 keeps endpoints forever.</summary>
    public int DefaultEndpointTtlSeconds { get; init; }

    public int MaxEndpointTtlSeconds { get; init; } = 3600;

    /// <summary>The built-in certificate authority (section <c>Mesh:Ca</c>).</summary>
    public Certificates.CaSettings Ca { get; init; } = new();

    /// <summary>The Orleans silo: cluster, ports, failure detection (section <c>Mesh:Orleans</c>).</summary>
    public OrleansSettings Orleans { get; init; } = new();

    /// <summary>Active health checking: partitions, damping (section <c>Mesh:Health</c>).</summary>
    public Health.HealthOptions Health { get; init; } = new();

    /// <summary>Failures injected on purpose, for chaos tests (section <c>Mesh:Faults</c>). All off by default.</summary>
    public FaultSettings Faults { get; init; } = new();

    /// <summary>TLS of the silo's endpoints (section <c>Mesh:Tls</c>).</summary>
    public Certificates.SiloTlsSettings Tls { get; init; } = new();

    /// <summary>Peering with other silo clusters (section <c>Mesh:Federation</c>).</summary>
    public Federation.FederationSettings Federation { get; init; } = new();
}

/// <summary>Failure injection, like etcd's failpoints: lets a test prove the system converges without a mechanism.</summary>
internal sealed record FaultSettings
{
    /// <summary>This silo ignores every change notice from the change stream; it must converge by polling alone.</summary>
    public bool DropChangeNotices { get; init; }
}
