namespace Mesh.Sidecar.Configuration;

/// <summary>
/// Maps a Host header to a virtual host. Exact domains (with or without port) are one dictionary probe using a span
/// lookup (no substring allocation); wildcard domains (<c>*.example.com</c>, <c>*</c>) are tried afterwards.
/// </summary>
internal sealed class HostTable
{
    private readonly Dictionary<string, VirtualHostRuntime[]> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, VirtualHostRuntime[]>.AlternateLookup<ReadOnlySpan<char>> _spanLookup;
    private readonly List<(string Suffix, VirtualHostRuntime Host)> _wildcards = [];

    /// <param name="ignorePort">
    /// Gateway mode: the Host port is the client-facing one, which port mappings (80 in front of 8080, or a test's free
    /// port) make differ from the Gateway server port, so like Istio's <c>host:*</c> gateway domains any port matches.
    /// </param>
    public HostTable(IEnumerable<VirtualHostRuntime> hosts, bool ignorePort = false)
    {
        IgnoresPort = ignorePort;
        var exact = new Dictionary<string, List<VirtualHostRuntime>>(StringComparer.OrdinalIgnoreCase);
        foreach (var host in hosts)
        {
            foreach (var domain in host.Config.Domains)
            {
                if (domain.StartsWith('*'))
                {
                    _wildcards.Add((domain[1..], host));
                    continue;
                }

                if (!exact.TryGetValue(domain, out var list))
                {
                    exact[domain] = list = [];
                }

                if (!list.Contains(host))
                {
                    list.Add(host);
                }
            }
        }

        foreach (var (domain, list) in exact)
        {
            _exact[domain] = [.. list];
        }

        _spanLookup = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    /// <summary>True in gateway mode: routes then match on the virtual host's (Gateway server) port, not the Host port.</summary>
    public bool IgnoresPort { get; }

    /// <summary>Finds the virtual host for <paramref name="host"/> (a Host header); prefers one whose port matches.</summary>
    public VirtualHostRuntime? Find(ReadOnlySpan<char> host)
    {
        if (_spanLookup.TryGetValue(host, out var hosts))
        {
            return hosts[0];
        }

        var port = 0;
        var name = host;
        var colon = host.LastIndexOf(':');
        if (colon > 0 && host[^1] != ']' && int.TryParse(host[(colon + 1)..], out port))
        {
            name = host[..colon];
            if (IgnoresPort)
            {
                port = 0;
            }

            if (_spanLookup.TryGetValue(name, out hosts))
            {
                foreach (var candidate in hosts)
                {
                    if (candidate.Config.Port == port)
                    {
                        return candidate;
                    }
                }

                return hosts[0];
            }
        }

        foreach (var (suffix, candidate) in _wildcards)
        {
            if (name.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && (port == 0 || candidate.Config.Port == 0 || candidate.Config.Port == port))
            {
                return candidate;
            }
        }

        return null;
    }
}
