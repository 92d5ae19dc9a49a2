namespace Mesh.Routing.Compilation;

/// <summary>Mesh-wide settings the compiler needs to turn Istio names into hosts and identities.</summary>
public sealed record ProxyCompilerOptions
{
    /// <summary>Trust domain of SPIFFE identities (<c>spiffe://&lt;trust domain&gt;/ns/&lt;ns&gt;/sa/&lt;sa&gt;</c>).</summary>
    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>DNS suffix of service hosts: <c>&lt;name&gt;.&lt;ns&gt;.svc.&lt;cluster domain&gt;</c>.</summary>
    public string ClusterDomain { get; init; } = "cluster.local";

    /// <summary>Istio's root namespace: mesh-wide policies live here.</summary>
    public string RootNamespace { get; init; } = "istio-system";
}
