using Mesh.Contracts.Resources;
using Mesh.Istio.Yaml;

namespace Mesh.Cli.Input;

/// <summary>One resource from an input file, with where it came from for messages.</summary>
internal sealed record LoadedResource(string Source, int DocumentIndex, long Line, MeshResource Resource)
{
    /// <summary><c>file.yaml document 2 (line 14)</c>: document numbers are 1-based, as people count.</summary>
    public string Location => $"{Source} document {DocumentIndex + 1} (line {Line})";
}

/// <summary>
/// Reads <c>-f</c> inputs: files, directories (every *.yaml, *.yml, *.json, sorted, not recursive) and <c>-</c> (stdin).
/// Every unreadable file and malformed document is reported, not just the first.
/// </summary>
internal static class ResourceFileLoader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static async Task<(List<LoadedResource> Resources, List<string> Errors)> LoadAsync(
        IReadOnlyList<string> inputs, TextReader stdin, CancellationToken cancellationToken)
    {
        var resources = new List<LoadedResource>();
        var errors = new List<string>();
        foreach (var (source, read) in Expand(inputs, stdin, errors))
        {
            string text;
            try
            {
                text = await read(cancellationToken);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add($"{source}: cannot read: {e.Message}");
                continue;
            }

            try
            {
                resources.AddRange(ResourceDocumentReader.ReadDocuments(text).Select(d => new LoadedResource(source, d.Index, d.Line, d.Resource)));
            }
            catch (ResourceReadException e)
            {
                errors.Add($"{source} document {e.DocumentIndex + 1} (line {e.Line}): {e.Reason}");
            }
        }

        return (resources, errors);
    }

    private static List<(string Source, Func<CancellationToken, Task<string>> Read)> Expand(IReadOnlyList<string> inputs, TextReader stdin, List<string> errors)
    {
        var result = new List<(string, Func<CancellationToken, Task<string>>)>();
        foreach (var input in inputs)
        {
            if (input == "-")
            {
                result.Add(("<stdin>", ct => stdin.ReadToEndAsync(ct)));
            }
            else if (Directory.Exists(input))
            {
                var files = Directory.EnumerateFiles(input)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .Order(StringComparer.Ordinal)
                    .ToList();
                if (files.Count == 0)
                {
                    errors.Add($"{input}: the directory has no .yaml, .yml or .json files");
                }

                result.AddRange(files.Select(f => (f, (Func<CancellationToken, Task<string>>)(ct => File.ReadAllTextAsync(f, ct)))));
            }
            else if (File.Exists(input))
            {
                result.Add((input, ct => File.ReadAllTextAsync(input, ct)));
            }
            else
            {
                errors.Add($"{input}: no such file or directory");
            }
        }

        return result;
    }

    /// <summary>
    /// Fills in the namespace like kubectl: <c>-n</c> (or <c>default</c>) when the document has none; a document naming
    /// another namespace than an explicit <c>-n</c> is an error.
    /// </summary>
    public static List<LoadedResource> WithNamespace(List<LoadedResource> resources, string? namespaceFlag, List<string> errors)
    {
        var result = new List<LoadedResource>();
        foreach (var loaded in resources)
        {
            var own = loaded.Resource.Metadata.Namespace;
            if (namespaceFlag is not null && !string.IsNullOrEmpty(own) && own != namespaceFlag)
            {
                errors.Add($"{loaded.Location}: the namespace of the resource (\"{own}\") does not match the namespace given with -n (\"{namespaceFlag}\")");
                continue;
            }

            var ns = string.IsNullOrEmpty(own) ? namespaceFlag ?? "default" : own;
            result.Add(loaded with { Resource = loaded.Resource with { Metadata = loaded.Resource.Metadata with { Namespace = ns } } });
        }

        return result;
    }
}
