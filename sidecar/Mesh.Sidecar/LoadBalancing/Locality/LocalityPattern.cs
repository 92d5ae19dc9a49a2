namespace Mesh.Sidecar.LoadBalancing.Locality;

/// <summary>
/// Istio locality patterns: <c>region[/zone[/subzone]]</c>, where <c>*</c> or a missing part matches any value
/// (<c>us-west/*</c> and <c>us-west</c> both take every zone of us-west).
/// </summary>
internal static class LocalityPattern
{
    public static bool Matches(string pattern, string? region, string? zone, string? subzone)
    {
        var segments = pattern.Split('/');
        for (var i = 0; i < segments.Length && i < 3; i++)
        {
            if (segments[i] == "*")
            {
                return true;
            }

            var actual = i switch { 0 => region, 1 => zone, _ => subzone } ?? "";
            if (!string.Equals(segments[i], actual, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
