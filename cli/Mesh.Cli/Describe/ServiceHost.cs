namespace Mesh.Cli.Describe;

/// <summary>
/// Decides whether a host written in a resource means this service, with Istio's naming: short names resolve in the
/// resource's namespace, <c>name.ns</c> and <c>name.ns.svc</c> expand to <c>name.ns.svc.cluster.local</c>.
/// </summary>
internal sealed class ServiceHost(string name, string ns, string clusterDomain = "cluster.local")
{
    public string Fqdn { get; } = $"{name}.{ns}.svc.{clusterDomain}".ToLowerInvariant();

    /// <summary>Exact reference (no wildcards): <paramref name="host"/> written in namespace <paramref name="resourceNamespace"/>.</summary>
    public bool IsNamedBy(string? host, string resourceNamespace) =>
        host is not null && Expand(host.Trim().ToLowerInvariant(), resourceNamespace) == Fqdn;

    /// <summary>Also true for wildcards that cover the service (<c>*</c>, <c>*.svc.cluster.local</c>).</summary>
    public bool IsCoveredBy(string host, string resourceNamespace)
    {
        var h = host.Trim().ToLowerInvariant();
        return h == "*" || (h.StartsWith("*.", StringComparison.Ordinal) && Fqdn.EndsWith(h[1..], StringComparison.Ordinal)) || IsNamedBy(h, resourceNamespace);
    }

    private string Expand(string host, string resourceNamespace)
    {
        var dots = host.Count(c => c == '.');
        return dots switch
        {
            0 => $"{host}.{resourceNamespace}.svc.{clusterDomain}",
            1 => $"{host}.svc.{clusterDomain}",
            _ when host.EndsWith(".svc", StringComparison.Ordinal) => $"{host}.{clusterDomain}",
            _ => host,
        };
    }
}
