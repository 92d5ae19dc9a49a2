using System.Text.Json;

namespace Mesh.Demo.Streaming;

/// <summary>One server-sent event (<c>event:</c> and one <c>data:</c> line of JSON).</summary>
internal sealed record ServerSentEvent(string Event, string Data);

/// <summary>Writes and reads text/event-stream, flushing every event so it leaves the process at once.</summary>
internal static class ServerSentEvents
{
    public const string ContentType = "text/event-stream";

    public static void Begin(HttpResponse response)
    {
        response.ContentType = ContentType;
        response.Headers.CacheControl = "no-cache";
    }

    public static Task WriteAsync(HttpResponse response, string name, object payload, CancellationToken cancellationToken) =>
        WriteAsync(response, new ServerSentEvent(name, JsonSerializer.Serialize(payload)), cancellationToken);

    public static async Task WriteAsync(HttpResponse response, ServerSentEvent e, CancellationToken cancellationToken)
    {
        await response.WriteAsync($"event: {e.Event}\ndata: {e.Data}\n\n", cancellationToken);
        await response.Body.FlushAsync(cancellationToken);
    }

    /// <summary>Reads events as they arrive; the stream's end ends the sequence.</summary>
    public static async IAsyncEnumerable<ServerSentEvent> ReadAsync(Stream stream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var reader = new StreamReader(stream);
        string name = "message", data = "";
        while (await reader.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.Length == 0)
            {
                if (data.Length > 0)
                {
                    yield return new ServerSentEvent(name, data);
                }

                (name, data) = ("message", "");
            }
            else if (line.StartsWith("event:", StringComparison.Ordinal))
            {
                name = line[6..].Trim();
            }
            else if (line.StartsWith("data:", StringComparison.Ordinal))
            {
                data += line[5..].Trim();
            }
        }
    }
}
