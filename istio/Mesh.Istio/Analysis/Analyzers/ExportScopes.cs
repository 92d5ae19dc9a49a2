namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// The namespaces a resource is visible in, as istioctl's conflict analyzers key them: "*" when exported everywhere
/// (or exportTo is empty), otherwise each listed namespace with "." read as the resource's own.
/// </summary>
internal static class ExportScopes
{
    public const string Everywhere = "*";

    public static IEnumerable<string> Of(IReadOnlyList<string>? exportTo, string ns) =>
        exportTo is not { Count: > 0 } || exportTo.Contains(Everywhere) ? [Everywhere] : exportTo.Select(e => e == "." ? ns : e).Distinct(StringComparer.Ordinal);
}
