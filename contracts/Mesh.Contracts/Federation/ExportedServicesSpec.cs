namespace Mesh.Contracts.Federation;

/// <summary>
/// Spec of an <c>ExportedServices</c> resource (mesh.dev/v1): which services of its namespace this cluster offers to
/// which peer clusters, as Consul's exported-services config entry does. A peer sees nothing that is not listed here.
/// </summary>
public sealed record ExportedServicesSpec
{
    public IReadOnlyList<ExportedServiceEntry> Services { get; set; } = [];
}

/// <summary>One exported service of the resource's namespace and the peers that may import it.</summary>
public sealed record ExportedServiceEntry
{
    public string Name { get; set; } = "";

    public IReadOnlyList<ExportConsumer> Consumers { get; set; } = [];
}

/// <summary>A peer allowed to import the service: a peering name, or <c>*</c> for every peer.</summary>
public sealed record ExportConsumer
{
    public string Peer { get; set; } = "";

    public bool Includes(string peer) => Peer == "*" || string.Equals(Peer, peer, StringComparison.Ordinal);
}
