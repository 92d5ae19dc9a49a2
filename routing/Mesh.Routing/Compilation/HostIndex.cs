namespace Mesh.Routing.Compilation;

/// <summary>
/// Resources keyed by the host they apply to: exact hosts in a dictionary, wildcard hosts in a short list, so lookups
/// stay O(1) for the thousands of exact hosts a mesh has.
/// </summary>
internal sealed class HostIndex<T>
{
    private readonly Dictionary<string, List<T>> _exact = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<(string Pattern, T Item)> _wildcards = [];

    public void Add(string host, T item)
    {
        if (host.Length > 0 && host[0] == '*')
        {
            _wildcards.Add((host, item));
            return;
        }

        if (!_exact.TryGetValue(host, out var list))
        {
            _exact[host] = list = [];
        }

        list.Add(item);
    }

    public IEnumerable<string> ExactHosts => _exact.Keys;

    /// <summary>Items for an exact host in insertion order, or else those of the most specific matching wildcard.</summary>
    public IReadOnlyList<T> Find(string host)
    {
        if (_exact.TryGetValue(host, out var list))
        {
            return list;
        }

        if (_wildcards.Count == 0)
        {
            return [];
        }

        var best = -1;
        List<T>? found = null;
        foreach (var (pattern, item) in _wildcards)
        {
            if (!HostNames.Matches(pattern, host))
            {
                continue;
            }

            var specificity = HostNames.Specificity(pattern);
            if (specificity > best)
            {
                best = specificity;
                found = [item];
            }
            else if (specificity == best)
            {
                found!.Add(item);
            }
        }

        return found ?? (IReadOnlyList<T>)[];
    }
}
