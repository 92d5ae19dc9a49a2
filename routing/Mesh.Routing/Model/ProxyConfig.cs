using Mesh.Contracts.Resources;

namespace Mesh.Routing.Model;

/// <summary>
/// Everything one sidecar needs to route, compiled from the resources it subscribed to. The sidecar swaps whole
/// <see cref="ProxyConfig"/> instances atomically, so in-flight requests keep the instance they started with.
/// </summary>
public sealed record ProxyConfig
{
    public long Revision { get; init; }

    /// <summary>Outbound routing table: one virtual host per service host and port.</summary>
    public IReadOnlyList<VirtualHostConfig> VirtualHosts { get; init; } = [];

    /// <summary>Upstream clusters by name (see <see cref="ClusterConfig.Name"/>).</summary>
    public IReadOnlyDictionary<string, ClusterConfig> Clusters { get; init; } = new Dictionary<string, ClusterConfig>();

    /// <summary>Ingress gateway listeners; empty unless the node is a gateway selected by a Gateway resource.</summary>
    public IReadOnlyList<GatewayListenerConfig> Gateways { get; init; } = [];

    /// <summary>Connection-level (TCP and TLS passthrough) listeners: Sidecar egress ports and gateway TCP/TLS servers.</summary>
    public IReadOnlyList<TcpListenerConfig> TcpListeners { get; init; } = [];

    /// <summary>What the outbound listener does with a host no route knows (Istio Sidecar outboundTrafficPolicy).</summary>
    public OutboundTrafficPolicyConfig OutboundTrafficPolicy { get; init; } = new();

    /// <summary>Policies enforced on traffic arriving at this workload.</summary>
    public InboundConfig Inbound { get; init; } = new();

    /// <summary>Non-fatal findings of the compiler (unknown subsets, hosts), shown by proxy-config.</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>Routes for one service host and port. Domains match the Host header (with or without the port).</summary>
public sealed record VirtualHostConfig
{
    public string Name { get; init; } = "";
    public IReadOnlyList<string> Domains { get; init; } = [];
    public int Port { get; init; }

    /// <summary>Evaluated in order; the first matching route wins (Istio semantics).</summary>
    public IReadOnlyList<RouteConfig> Routes { get; init; } = [];
}

/// <summary>Ingress listener of a gateway-mode sidecar.</summary>
public sealed record GatewayListenerConfig
{
    public string Name { get; init; } = "";
    public int Port { get; init; }
    public string Protocol { get; init; } = "HTTP";
    public IReadOnlyList<string> Hosts { get; init; } = [];

    /// <summary>TLS termination with a given certificate (PEM), when the server is HTTPS.</summary>
    public GatewayTlsConfig? Tls { get; init; }

    /// <summary>Answer every request on this (plain HTTP) listener with a 301 to the https URL (Istio tls.httpsRedirect).</summary>
    public bool HttpsRedirect { get; init; }
    public IReadOnlyList<VirtualHostConfig> VirtualHosts { get; init; } = [];
}

public sealed record GatewayTlsConfig
{
    /// <summary>SIMPLE or MUTUAL.</summary>
    public string Mode { get; init; } = "SIMPLE";

    /// <summary>Path of the PEM certificate chain file.</summary>
    public string? ServerCertificate { get; init; }

    /// <summary>Path of the PEM private key file. Never logged.</summary>
    public string? PrivateKey { get; init; }
    public string? CaCertificates { get; init; }

    /// <summary>Istio credentialName (a secret name) when the server names one instead of file paths.</summary>
    public string? CredentialName { get; init; }
    public bool HttpsRedirect { get; init; }
}

/// <summary>Security policy for this workload's inbound listener (filled in by the security issue).</summary>
public sealed record InboundConfig
{
    /// <summary>Effective PeerAuthentication mode after workload → namespace → mesh precedence.</summary>
    public MtlsMode MtlsMode { get; init; } = MtlsMode.Permissive;

    /// <summary>Per-port overrides of <see cref="MtlsMode"/>.</summary>
    public IReadOnlyDictionary<int, MtlsMode> PortMtlsModes { get; init; } = new Dictionary<int, MtlsMode>();

    /// <summary>AuthorizationPolicy resources that select this workload (raw, compiled by the security layer).</summary>
    public IReadOnlyList<MeshResource> AuthorizationPolicies { get; init; } = [];

    /// <summary>RequestAuthentication resources that select this workload.</summary>
    public IReadOnlyList<MeshResource> RequestAuthentications { get; init; } = [];

    /// <summary>Istio Sidecar ingress listeners: where requests for each workload port go instead of the app port.</summary>
    public IReadOnlyList<IngressListenerConfig> IngressListeners { get; init; } = [];
}

/// <summary>Requests addressed to <see cref="Port"/> go to <see cref="Endpoint"/>.</summary>
public sealed record IngressListenerConfig
{
    public int Port { get; init; }
    public string Name { get; init; } = "";
    public string Protocol { get; init; } = "HTTP";
    public Mesh.Contracts.Istio.Networking.IngressEndpoint Endpoint { get; init; } = new(null, 0, null);
}

public enum MtlsMode
{
    Permissive,
    Strict,
    Disable,
}
