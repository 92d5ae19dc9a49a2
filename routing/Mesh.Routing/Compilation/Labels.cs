using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

internal static class Labels
{
    public static readonly IReadOnlyDictionary<string, string> Empty = new Dictionary<string, string>();

    /// <summary>Kubernetes selector semantics: every selector label is present with the same value; an empty selector matches.</summary>
    public static bool IsSubset(IReadOnlyDictionary<string, string>? selector, IReadOnlyDictionary<string, string>? labels)
    {
        if (selector is null || selector.Count == 0)
        {
            return true;
        }

        if (labels is null)
        {
            return false;
        }

        foreach (var (key, value) in selector)
        {
            if (!labels.TryGetValue(key, out var actual) || actual != value)
            {
                return false;
            }
        }

        return true;
    }

    public static string? Zone(IReadOnlyDictionary<string, string>? labels) => LocalityLabels.ZoneOf(labels);

    public static string? Region(IReadOnlyDictionary<string, string>? labels) => LocalityLabels.RegionOf(labels);

    public static string? Network(IReadOnlyDictionary<string, string>? labels) =>
        labels is not null && labels.TryGetValue(LocalityLabels.Network, out var network) ? network : null;

    public static string? Subzone(IReadOnlyDictionary<string, string>? labels) => LocalityLabels.SubzoneOf(labels);
}
