namespace Mesh.Routing.Compilation;

/// <summary>
/// Istio host naming: services are <c>name.ns.svc.&lt;cluster domain&gt;</c>; short names in a resource resolve in
/// the resource's namespace, <c>name.ns</c> and <c>name.ns.svc</c> expand to the full name.
/// </summary>
internal sealed class HostNames(string clusterDomain)
{
    private readonly string _svcSuffix = ".svc." + clusterDomain;

    public string ClusterDomain { get; } = clusterDomain;

    public string Fqdn(string name, string ns) => $"{name}.{ns}{_svcSuffix}".ToLowerInvariant();

    /// <summary>
    /// Resolves a host written in a resource of namespace <paramref name="ns"/>. <c>name.ns</c> expands only when that
    /// service is known, because a two-label name such as <c>example.com</c> is an external host.
    /// </summary>
    public string Resolve(string host, string ns, Func<string, bool> isKnown)
    {
        var h = host.Trim().ToLowerInvariant();
        if (h.Length == 0 || h[0] == '*')
        {
            return h;
        }

        var firstDot = h.IndexOf('.', StringComparison.Ordinal);
        if (firstDot < 0)
        {
            return Fqdn(h, ns);
        }

        if (h.EndsWith(".svc", StringComparison.Ordinal))
        {
            return h + "." + ClusterDomain;
        }

        if (h.IndexOf('.', firstDot + 1) < 0)
        {
            var expanded = h + _svcSuffix;
            if (isKnown(expanded))
            {
                return expanded;
            }
        }

        return h;
    }

    /// <summary>True when <paramref name="host"/> is covered by <paramref name="pattern"/> (<c>*</c>, <c>*.example.com</c> or exact).</summary>
    public static bool Matches(string pattern, string host)
    {
        if (pattern == "*")
        {
            return true;
        }

        if (pattern.StartsWith("*.", StringComparison.Ordinal))
        {
            return host.EndsWith(pattern.AsSpan(1), StringComparison.OrdinalIgnoreCase) ||
                (host.StartsWith("*.", StringComparison.Ordinal) && host.EndsWith(pattern.AsSpan(1), StringComparison.OrdinalIgnoreCase));
        }

        return string.Equals(pattern, host, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Specificity for choosing among wildcard patterns: longer suffixes win.</summary>
    public static int Specificity(string pattern) => pattern == "*" ? 0 : pattern.Length;
}
