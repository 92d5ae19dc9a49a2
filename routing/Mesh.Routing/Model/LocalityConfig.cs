namespace Mesh.Routing.Model;

/// <summary>
/// Istio <c>localityLbSetting.distribute</c> entry: a caller whose locality matches <see cref="From"/> sends each
/// <see cref="To"/> locality its weight (percent); endpoints matched by no <see cref="To"/> entry get no traffic.
/// Locality patterns are <c>region/zone/subzone</c> with a trailing <c>*</c> (or fewer segments) matching any value.
/// </summary>
public sealed record LocalityDistributeConfig(string From, IReadOnlyList<LocalityWeight> To);

/// <summary>One <c>to</c> entry of <see cref="LocalityDistributeConfig"/>, in the order the rule lists them.</summary>
public sealed record LocalityWeight(string Locality, int Weight);

/// <summary>Istio <c>localityLbSetting.failover</c>: when the caller's region <see cref="From"/> has nothing available, <see cref="To"/> comes before other regions.</summary>
public sealed record LocalityFailoverConfig(string From, string To);

/// <summary>
/// One entry of Istio <c>localityLbSetting.failoverPriority</c>: a label <see cref="Key"/> the endpoint must share
/// with the caller, or (<c>key=value</c>) must carry with <see cref="Value"/> whatever the caller's own label says.
/// </summary>
public sealed record FailoverPriorityLabel(string Key, string? Value);

/// <summary>The well-known locality label keys (Kubernetes topology labels and Istio's subzone).</summary>
public static class LocalityLabels
{
    public const string Region = "topology.kubernetes.io/region";
    public const string Zone = "topology.kubernetes.io/zone";
    public const string Subzone = "topology.istio.io/subzone";
    public const string Network = "topology.istio.io/network";

    /// <summary>The mesh's short zone label (the sidecar's <c>--zone</c>), read after <see cref="Zone"/>.</summary>
    public const string ShortZone = "zone";

    public static string? RegionOf(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(Region, out var region) ? region : null;

    public static string? ZoneOf(IReadOnlyDictionary<string, string>? labels) =>
        labels is null ? null :
        labels.TryGetValue(Zone, out var zone) ? zone :
        labels.TryGetValue(ShortZone, out zone) ? zone : null;

    public static string? SubzoneOf(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(Subzone, out var subzone) ? subzone : null;

    /// <summary>Whether <paramref name="key"/> is one of the labels that say where an endpoint runs.</summary>
    public static bool IsLocality(string key) => key is Region or Zone or Subzone or ShortZone or Network;
}
