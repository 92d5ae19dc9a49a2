namespace Mesh.Routing.Model;

/// <summary>How a connection-level listener picks a route.</summary>
public enum TcpListenerMode
{
    /// <summary>Opaque TCP: the first tcp route that applies to the listener's port.</summary>
    Tcp,

    /// <summary>TLS left encrypted: the route whose sniHosts match the ClientHello's SNI (Istio tls routes, PASSTHROUGH).</summary>
    TlsPassthrough,

    /// <summary>
    /// Istio's AUTO_PASSTHROUGH: the SNI itself names the cluster (<c>outbound_.PORT_.SUBSET_.HOST</c>), so no
    /// VirtualService is needed; used by east-west gateways.
    /// </summary>
    AutoPassthrough,
}

/// <summary>
/// A listener that proxies whole connections instead of HTTP requests: a Sidecar egress listener with a TCP or TLS
/// port (on 127.0.0.1, since nothing captures traffic), or a gateway server with protocol TCP or TLS passthrough.
/// </summary>
public sealed record TcpListenerConfig
{
    public string Name { get; init; } = "";
    public int Port { get; init; }

    /// <summary>A gateway server (bound on the gateway's address) rather than a sidecar egress listener (loopback).</summary>
    public bool Gateway { get; init; }
    public TcpListenerMode Mode { get; init; }

    /// <summary>Evaluated in order; the first route whose <see cref="TcpRouteConfig.SniHosts"/> fit wins.</summary>
    public IReadOnlyList<TcpRouteConfig> Routes { get; init; } = [];
}

/// <summary>One tcp or tls route, its match conditions about the caller already settled at compile time.</summary>
public sealed record TcpRouteConfig
{
    public string Name { get; init; } = "";

    /// <summary>SNI patterns (exact, or <c>*.suffix</c>); empty matches every connection.</summary>
    public IReadOnlyList<string> SniHosts { get; init; } = [];

    /// <summary>Weighted destinations; a connection goes to one of them for its whole life.</summary>
    public IReadOnlyList<WeightedClusterConfig> Clusters { get; init; } = [];
}
