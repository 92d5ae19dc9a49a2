using Mesh.Contracts.Resources;

namespace Mesh.Storage.Abstractions;

/// <summary>
/// Which resources of one kind a list wants, in key order (namespace, then name, ordinal). A page starts after
/// <see cref="After"/> and holds at most <see cref="Limit"/> resources, so a long list is read in pages by key
/// without any server-side cursor; each page is one consistent read.
/// </summary>
public sealed record ResourceQuery(string Kind)
{
    public string? Namespace { get; init; }

    /// <summary>Only resources whose labels include every one of these pairs (a Kubernetes equality selector).</summary>
    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Only endpoints of this service (<c>spec.service</c>).</summary>
    public string? Service { get; init; }

    /// <summary>Only resources whose key comes after this one (the last key of the previous page).</summary>
    public ResourceKey? After { get; init; }

    public int? Limit { get; init; }

    public bool Matches(MeshResource resource)
    {
        if (resource.Kind != Kind || (Namespace is not null && resource.Key.Namespace != Namespace))
        {
            return false;
        }

        if (After is { } after && KeyOrder.Compare(resource.Key, after) <= 0)
        {
            return false;
        }

        if (Labels is { Count: > 0 } wanted
            && !wanted.All(pair => resource.Metadata.Labels is { } labels && labels.TryGetValue(pair.Key, out var value) && value == pair.Value))
        {
            return false;
        }

        return Service is null
            || (resource.Spec.ValueKind == System.Text.Json.JsonValueKind.Object
                && resource.Spec.TryGetProperty("service", out var service)
                && service.ValueKind == System.Text.Json.JsonValueKind.String
                && service.GetString() == Service);
    }
}

/// <summary>The order lists are returned in: namespace, then name, both ordinal (PostgreSQL's "C" collation).</summary>
public static class KeyOrder
{
    public static int Compare(ResourceKey a, ResourceKey b)
    {
        var byNamespace = string.CompareOrdinal(a.Namespace, b.Namespace);
        return byNamespace != 0 ? byNamespace : string.CompareOrdinal(a.Name, b.Name);
    }
}
