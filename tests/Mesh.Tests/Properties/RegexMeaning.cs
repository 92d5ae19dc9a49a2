namespace Mesh.Tests.Properties;

/// <summary>
/// The regexes the routing generators use, each with its meaning written as plain code, so the reference model does
/// not share a regex engine (or its anchoring) with the sidecar. Istio regexes are RE2 full matches.
/// </summary>
public static class RegexMeaning
{
    private static readonly Dictionary<string, Func<string, bool>> Meanings = new()
    {
        ["/a.*"] = s => s.StartsWith("/a", StringComparison.Ordinal),
        ["/A.*"] = s => s.StartsWith("/A", StringComparison.Ordinal),
        ["/[ab]"] = s => s is "/a" or "/b",
        ["/a/[a-z]+"] = s => s.StartsWith("/a/", StringComparison.Ordinal) && s.Length > 3 && s[3..].All(char.IsAsciiLetterLower),
        [".*/b"] = s => s.EndsWith("/b", StringComparison.Ordinal),
        ["GET|PUT"] = s => s is "GET" or "PUT",
        ["P.*"] = s => s.StartsWith('P'),
        ["ja.*"] = s => s.StartsWith("ja", StringComparison.Ordinal),
        ["prod|dev"] = s => s is "prod" or "dev",
        ["[a-z]+"] = s => s.Length > 0 && s.All(char.IsAsciiLetterLower),
    };

    public static readonly string[] PathPatterns = ["/a.*", "/A.*", "/[ab]", "/a/[a-z]+", ".*/b"];
    public static readonly string[] MethodPatterns = ["GET|PUT", "P.*"];
    public static readonly string[] HeaderPatterns = ["ja.*", "prod|dev", "[a-z]+"];

    public static bool FullMatch(string pattern, string input) => Meanings[pattern](input);
}
