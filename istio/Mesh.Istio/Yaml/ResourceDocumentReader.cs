using System.Buffers;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace Mesh.Istio.Yaml;

/// <summary>
/// Reads resources from multi-document YAML (empty documents, such as after a trailing <c>---</c>, are skipped) or
/// JSON (one object, an array, or a <c>kind: List</c> with <c>items</c>, which YAML may also use).
/// </summary>
public static class ResourceDocumentReader
{
    /// <summary>Reads every resource; throws <see cref="ResourceReadException"/> naming the document and line at fault.</summary>
    public static IReadOnlyList<MeshResource> Read(string text) => ReadDocuments(text).Select(d => d.Resource).ToList();

    /// <summary>Reads a file (YAML or JSON, decided by content).</summary>
    public static async Task<IReadOnlyList<ResourceDocument>> ReadFileAsync(string path, CancellationToken cancellationToken)
    {
        var text = await File.ReadAllTextAsync(path, cancellationToken);
        return ReadDocuments(text);
    }

    /// <summary>Reads every resource with the index and line of the document it came from.</summary>
    public static IReadOnlyList<ResourceDocument> ReadDocuments(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var trimmed = text.AsSpan().TrimStart();
        return trimmed.Length > 0 && trimmed[0] is '{' or '[' ? ReadJson(text) : ReadYaml(text);
    }

    private static List<ResourceDocument> ReadJson(string text)
    {
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(text, new JsonDocumentOptions { MaxDepth = 64 });
            root = document.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ResourceReadException($"invalid JSON: {e.Message}", 0, (e.LineNumber ?? 0) + 1);
        }

        var result = new List<ResourceDocument>();
        if (root.ValueKind == JsonValueKind.Array)
        {
            var i = 0;
            foreach (var item in root.EnumerateArray())
            {
                AddExpandingLists(result, item, i++, 1);
            }
        }
        else
        {
            AddExpandingLists(result, root, 0, 1);
        }

        return result;
    }

    private static List<ResourceDocument> ReadYaml(string text)
    {
        var stream = new YamlStream();
        var parser = new LastEventParser(new Parser(new StringReader(text)));
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            var index = CountDocumentSeparators(text, e.Start.Line);
            throw new ResourceReadException($"invalid YAML: {e.InnerException?.Message ?? e.Message}", index, e.Start.Line);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException)
        {
            // Found by fuzzing (docs/reliability.md): on some malformed input YamlDotNet 16.3 throws these instead of a
            // YamlException, e.g. "x: [a\n- <" (InvalidOperationException in the scanner) and " : <" (ArgumentException,
            // "unsupported event"). They carry no position, so the error names where the last good node started.
            var line = parser.LastLine;
            throw new ResourceReadException($"invalid YAML after line {line}: the parser cannot continue ({e.Message})", CountDocumentSeparators(text, line), line);
        }

        var result = new List<ResourceDocument>();
        for (var i = 0; i < stream.Documents.Count; i++)
        {
            var root = stream.Documents[i].RootNode;
            var line = root.Start.Line;
            if (root is YamlScalarNode { Value: null or "" or "~" or "null" })
            {
                continue;
            }

            JsonElement element;
            try
            {
                element = ToJson(root);
            }
            catch (YamlException e)
            {
                throw new ResourceReadException(e.Message, i, e.Start.Line);
            }

            AddExpandingLists(result, element, i, line);
        }

        return result;
    }

    private static JsonElement ToJson(YamlNode root)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            YamlJsonConverter.Write(writer, root);
        }

        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void AddExpandingLists(List<ResourceDocument> result, JsonElement element, int index, long line)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new ResourceReadException($"expected a resource object, found {element.ValueKind}", index, line);
        }

        if (element.TryGetProperty("kind", out var kind) && kind.ValueKind == JsonValueKind.String && kind.GetString() == "List")
        {
            if (!element.TryGetProperty("items", out var items) || items.ValueKind != JsonValueKind.Array)
            {
                throw new ResourceReadException("a List needs an items array", index, line);
            }

            foreach (var item in items.EnumerateArray())
            {
                AddExpandingLists(result, item, index, line);
            }

            return;
        }

        result.Add(new ResourceDocument(index, line, ToResource(element, index, line)));
    }

    private static MeshResource ToResource(JsonElement element, int index, long line)
    {
        foreach (var required in (ReadOnlySpan<string>)["apiVersion", "kind", "metadata"])
        {
            if (!element.TryGetProperty(required, out _))
            {
                throw new ResourceReadException($"{required} is missing", index, line);
            }
        }

        try
        {
            return element.Deserialize<MeshResource>(MeshJson.Options)
                ?? throw new ResourceReadException("empty resource", index, line);
        }
        catch (JsonException e)
        {
            var path = e.Path is { Length: > 2 } p ? p[2..] : "resource";
            throw new ResourceReadException($"{path}: {FirstSentence(e.Message)}", index, line);
        }
    }

    private static string FirstSentence(string message)
    {
        var end = message.IndexOf(". Path:", StringComparison.Ordinal);
        return end > 0 ? message[..end] : message;
    }

    /// <summary>The 0-based document a line belongs to, for errors raised before documents exist.</summary>
    private static int CountDocumentSeparators(string text, long line)
    {
        var count = 0;
        var current = 1;
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } l && current < line)
        {
            if (l.StartsWith("---", StringComparison.Ordinal) && current > 1)
            {
                count++;
            }

            current++;
        }

        return count;
    }

    /// <summary>Remembers where the last event it passed on started, for errors that do not say where they are.</summary>
    private sealed class LastEventParser(IParser inner) : IParser
    {
        public long LastLine { get; private set; } = 1;

        public ParsingEvent? Current => inner.Current;

        public bool MoveNext()
        {
            if (inner.Current is { } current)
            {
                LastLine = current.Start.Line;
            }

            return inner.MoveNext();
        }
    }
}
