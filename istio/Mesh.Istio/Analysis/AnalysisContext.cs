using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;

namespace Mesh.Istio.Analysis;

/// <summary>
/// What the analyzers see: every valid resource (applied and existing), the reference catalog, and which resources
/// are being analyzed. A finding is reported on each resource it involves, as long as one of them is analyzed, so a
/// conflict between a new file and a stored resource shows on both.
/// </summary>
internal sealed class AnalysisContext(IReadOnlyList<MeshResource> all, IReadOnlySet<ResourceKey> targets, ReferenceCatalog catalog)
{
    private readonly Dictionary<(ResourceKey, Type), object?> _specs = [];

    public IReadOnlyList<MeshResource> All { get; } = all;

    public ReferenceCatalog Catalog { get; } = catalog;

    public List<ValidationMessage> Messages { get; } = [];

    public bool IsTarget(MeshResource resource) => targets.Contains(resource.Key);

    /// <summary>The resources of one kind with their spec read as <typeparamref name="T"/> (read once per type).</summary>
    public IEnumerable<(MeshResource Resource, T Spec)> Of<T>(string kind)
        where T : class
    {
        foreach (var resource in All.Where(r => r.Kind == kind))
        {
            if (Spec<T>(resource) is { } spec)
            {
                yield return (resource, spec);
            }
        }
    }

    public T? Spec<T>(MeshResource resource)
        where T : class
    {
        if (!_specs.TryGetValue((resource.Key, typeof(T)), out var spec))
        {
            _specs[(resource.Key, typeof(T))] = spec = MeshJson.FromElement<T>(resource.Spec);
        }

        return (T?)spec;
    }

    /// <summary>A finding about one resource, reported if that resource is analyzed.</summary>
    public void Report(MeshResource resource, IstioMessage type, string path, params object[] args)
    {
        if (IsTarget(resource))
        {
            Add(resource, type, path, args);
        }
    }

    /// <summary>A finding that involves several resources: reported on each of them when any one is analyzed.</summary>
    public void ReportAll(IReadOnlyCollection<MeshResource> involved, IstioMessage type, string path, params object[] args) =>
        ReportAll(involved, involved, type, path, args);

    /// <summary>As above, reported only on <paramref name="reportOn"/> (those of the involved not already told).</summary>
    public void ReportAll(IReadOnlyCollection<MeshResource> involved, IEnumerable<MeshResource> reportOn, IstioMessage type, string path, params object[] args)
    {
        if (involved.Any(IsTarget))
        {
            foreach (var resource in reportOn.DistinctBy(r => r.Key))
            {
                Add(resource, type, path, args);
            }
        }
    }

    public static string FullName(MeshResource resource) => $"{resource.Key.Namespace}/{resource.Metadata.Name}";

    public static string Display(MeshResource resource) => $"{resource.Kind} {FullName(resource)}";

    private void Add(MeshResource resource, IstioMessage type, string path, object[] args) =>
        Messages.Add(new ValidationMessage(type.Severity, type.Code, path, $"{Display(resource)}: {type.Format(args)}") { Resource = Display(resource) });
}
