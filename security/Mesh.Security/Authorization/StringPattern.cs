namespace Mesh.Security.Authorization;

/// <summary>Istio string matching: <c>*</c> (any non-empty value), <c>prefix*</c>, <c>*suffix</c>, or exact.</summary>
internal static class StringPattern
{
    public static Func<string, bool> Compile(string pattern, bool ignoreCase)
    {
        var comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (pattern == "*")
        {
            return static v => v.Length > 0;
        }

        if (pattern.Length > 1 && pattern[0] == '*')
        {
            var suffix = pattern[1..];
            return v => v.EndsWith(suffix, comparison);
        }

        if (pattern.Length > 1 && pattern[^1] == '*')
        {
            var prefix = pattern[..^1];
            return v => v.StartsWith(prefix, comparison);
        }

        return v => string.Equals(v, pattern, comparison);
    }
}
