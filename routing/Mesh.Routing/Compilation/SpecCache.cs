using System.Runtime.CompilerServices;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Typed specs by resource instance. A sidecar recompiles after every delta with mostly the same
/// <see cref="MeshResource"/> instances (records are immutable), so reading each spec once saves most of the cost of
/// a recompilation. Weak keys let replaced resources be collected.
/// </summary>
internal sealed class SpecCache
{
    private readonly ConditionalWeakTable<MeshResource, ParsedSpec> _specs = new();

    /// <summary>The spec, or null with <paramref name="error"/> saying why it could not be read.</summary>
    public T? Get<T>(MeshResource resource, out string? error)
        where T : class
    {
        if (!_specs.TryGetValue(resource, out var parsed) || parsed.Type != typeof(T))
        {
            parsed = Parse<T>(resource);
            _specs.AddOrUpdate(resource, parsed);
        }

        error = parsed.Error;
        return parsed.Spec as T;
    }

    private static ParsedSpec Parse<T>(MeshResource resource)
        where T : class
    {
        try
        {
            var spec = MeshJson.FromElement<T>(resource.Spec);
            return new ParsedSpec(typeof(T), spec, spec is null ? "spec is missing" : null);
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 1 } p ? p[1..] : "";
            return new ParsedSpec(typeof(T), null, $"spec{path} is invalid ({e.Message})");
        }
    }

    private sealed record ParsedSpec(Type Type, object? Spec, string? Error);
}
