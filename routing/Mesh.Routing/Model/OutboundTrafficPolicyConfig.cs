namespace Mesh.Routing.Model;

/// <summary>What a sidecar's outbound listener does with a host none of its routes knows.</summary>
public enum OutboundTrafficMode
{
    /// <summary>No Sidecar resource sets a policy: 404 with flag NR, like Envoy with no matching virtual host.</summary>
    Unset,

    /// <summary>Istio's ALLOW_ANY: the request goes to the host it names (or to the egress proxy).</summary>
    AllowAny,

    /// <summary>Istio's REGISTRY_ONLY: only hosts in the registry (services and ServiceEntries) are reachable.</summary>
    RegistryOnly,
}

/// <summary>Istio Sidecar <c>outboundTrafficPolicy</c>, compiled.</summary>
public sealed record OutboundTrafficPolicyConfig
{
    public OutboundTrafficMode Mode { get; init; }

    /// <summary>ALLOW_ANY with <c>egressProxy</c>: the route unknown hosts take, to the proxy's cluster.</summary>
    public RouteConfig? EgressProxyRoute { get; init; }
}
