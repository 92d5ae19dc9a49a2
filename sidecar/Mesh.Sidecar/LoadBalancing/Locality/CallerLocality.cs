using Mesh.Routing.Model;

namespace Mesh.Sidecar.LoadBalancing.Locality;

/// <summary>The sidecar's own locality and labels: what endpoints are compared with.</summary>
internal sealed record CallerLocality(string? Region, string? Zone, string? Subzone, IReadOnlyDictionary<string, string> Labels)
{
    public static readonly CallerLocality Unknown = new(null, null, null, new Dictionary<string, string>());

    /// <summary>A label of the caller; the topology keys read the locality the sidecar was started with.</summary>
    public string? Label(string key) => key switch
    {
        LocalityLabels.Region => Region,
        LocalityLabels.Zone => Zone,
        LocalityLabels.Subzone => Subzone,
        _ => Labels.GetValueOrDefault(key),
    };

    /// <summary>A label of an endpoint; the topology keys read the locality the compiler derived (labels or <c>locality</c>).</summary>
    public static string? EndpointLabel(EndpointConfig endpoint, string key) => key switch
    {
        LocalityLabels.Region => endpoint.Region,
        LocalityLabels.Zone => endpoint.Zone,
        LocalityLabels.Subzone => endpoint.Subzone,
        LocalityLabels.Network => endpoint.Network,
        _ => null,
    } ?? endpoint.Labels.GetValueOrDefault(key);
}
