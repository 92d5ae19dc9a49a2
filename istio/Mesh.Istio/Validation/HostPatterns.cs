namespace Mesh.Istio.Validation;

/// <summary>Istio host names with a leading wildcard: "*" covers everything, "*.example.com" every name below it.</summary>
public static class HostPatterns
{
    /// <summary>Whether every name <paramref name="host"/> stands for is also covered by <paramref name="pattern"/>.</summary>
    public static bool IsSubsetOf(string host, string pattern)
    {
        if (pattern == "*" || string.Equals(host, pattern, StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (!pattern.StartsWith('*') || host == "*")
        {
            return false;
        }

        return host.EndsWith(pattern[1..], StringComparison.OrdinalIgnoreCase) && host.Length > pattern.Length - 1;
    }

    /// <summary>Whether some name is covered by both (Istio's host.Name.Matches).</summary>
    public static bool Overlap(string a, string b) => IsSubsetOf(a, b) || IsSubsetOf(b, a);
}
