namespace Mesh.Contracts.Registry;

/// <summary>An endpoint as the admin API returns it: spec, labels, version and lease.</summary>
public sealed record EndpointView
{
    public string Namespace { get; set; } = "";
    public string Name { get; set; } = "";
    public string Service { get; set; } = "";
    public string Address { get; set; } = "";
    public int Port { get; init; }
    public int Weight { get; init; }
    public EndpointHealth Health { get; init; }
    public string? RegisteredBy { get; init; }
    public int? SidecarPort { get; init; }
    public IReadOnlyDictionary<string, string> Labels { get; set; } = new Dictionary<string, string>();
    public long ResourceVersion { get; init; }
    public DateTimeOffset? LeaseExpiresAt { get; init; }

    /// <summary>Sidecars whose outlier detection currently ejects this endpoint; null when none does.</summary>
    public IReadOnlyList<OutlierReport>? OutlierReports { get; init; }
}
