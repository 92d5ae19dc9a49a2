namespace Mesh.Contracts.Registry;

/// <summary>
/// Spec of an <c>Endpoint</c> resource: one instance of a service. Its labels (version, zone, ...) live in the
/// resource metadata. The lease expiry is deliberately not here: renewing a lease is not a configuration change
/// and must not push anything.
/// </summary>
public sealed record EndpointSpec
{
    public string Service { get; set; } = "";

    public string Address { get; set; } = "";

    public int Port { get; init; }

    public int Weight { get; set; } = 1;

    public EndpointHealth Health { get; set; } = EndpointHealth.Healthy;

    /// <summary>Who registered it: a sidecar id, a user, or <c>WorkloadEntry</c>.</summary>
    public string? RegisteredBy { get; init; }

    /// <summary>Port of the endpoint's sidecar inbound listener, when it has one; mesh traffic goes there.</summary>
    public int? SidecarPort { get; init; }

    public static string NameFor(string service, string address, int port) => $"{service}.{address}.{port}".Replace(':', '-');

    /// <summary>
    /// The service an endpoint name was made for by <see cref="NameFor"/>: service names are DNS-1123 labels, so it is
    /// the part before the first dot. Null for a name no registration could have made.
    /// </summary>
    public static string? ServiceOfName(string name)
    {
        var dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : null;
    }
}

public enum EndpointHealth
{
    Healthy,
    Unhealthy,
    Unknown,
}
