namespace Mesh.Contracts.Registry;

/// <summary>
/// One sidecar's passive-health verdict on one endpoint: its outlier detection ejected the endpoint at
/// <see cref="Since"/> until <see cref="Until"/>. Reports are per reporter and never change the endpoint's registry health.
/// </summary>
public sealed record OutlierReport
{
    /// <summary>Subscriber id of the sidecar that ejected the endpoint.</summary>
    public string Reporter { get; set; } = "";

    public string Namespace { get; set; } = "";

    /// <summary>Name of the endpoint resource.</summary>
    public string Endpoint { get; set; } = "";

    public DateTimeOffset Since { get; init; }

    public DateTimeOffset? Until { get; init; }

    public string Reason { get; set; } = "";
}
