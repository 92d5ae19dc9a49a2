using Mesh.Routing.Model;

namespace Mesh.Sidecar.Configuration;

/// <summary>
/// The compiled, immutable routing table a request runs against. Swapped as a whole: a request keeps the instance
/// it started with, so a config change never mixes two configurations inside one request.
/// </summary>
internal sealed class RuntimeConfig(ProxyConfig source, HostTable hosts, IReadOnlyDictionary<string, ClusterRuntime> clusters,
    OutboundTrafficMode outboundMode = OutboundTrafficMode.Unset, RouteRuntime? egressProxyRoute = null)
{
    public static readonly RuntimeConfig Empty = new(new ProxyConfig(), new HostTable([]), new Dictionary<string, ClusterRuntime>());

    public ProxyConfig Source { get; } = source;
    public long Revision => Source.Revision;
    public HostTable Hosts { get; } = hosts;
    public IReadOnlyDictionary<string, ClusterRuntime> Clusters { get; } = clusters;

    /// <summary>Istio Sidecar outboundTrafficPolicy; always Unset on a gateway, which Sidecar resources do not configure.</summary>
    public OutboundTrafficMode OutboundMode { get; } = outboundMode;

    /// <summary>ALLOW_ANY with an egress proxy: the route every unknown host takes.</summary>
    public RouteRuntime? EgressProxyRoute { get; } = egressProxyRoute;
}
