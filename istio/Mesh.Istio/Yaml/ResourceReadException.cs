namespace Mesh.Istio.Yaml;

/// <summary>A document could not be read as a resource. <see cref="DocumentIndex"/> is 0-based, <see cref="Line"/> 1-based.</summary>
public sealed class ResourceReadException(string message, int documentIndex, long line)
    : Exception($"document {documentIndex + 1} (line {line}): {message}")
{
    public int DocumentIndex { get; } = documentIndex;

    public long Line { get; } = line;

    /// <summary>The problem without the location prefix.</summary>
    public string Reason { get; } = message;
}

/// <summary>One resource read from a file, with where it started (for messages about it).</summary>
public sealed record ResourceDocument(int Index, long Line, Mesh.Contracts.Resources.MeshResource Resource);
