using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Demo.Hosting;
using Mesh.Demo.Streaming;
using Mesh.Demo.Tokenizer;

namespace Mesh.Demo.Ranker;

/// <summary>One completion from the model, or why there is none.</summary>
internal sealed record Candidate(int Seed, string? Version, string? Text, int? Status, string? Error)
{
    public double Score { get; init; }
}

/// <summary>
/// Asks the model for several completions (through the sidecar, so routing, canaries and faults apply to each call),
/// embeds prompt and completions with the tokenizer service, and orders completions by cosine similarity to the prompt.
/// </summary>
internal sealed class CandidateRanker(IHttpClientFactory clients, DemoOptions options)
{
    public async Task<IReadOnlyList<Candidate>> RankAsync(HttpRequest inbound, string prompt, int count, int maxTokens, int seed, CancellationToken cancellationToken)
    {
        var candidates = await Task.WhenAll(Enumerable.Range(seed, count).Select(s => GenerateAsync(inbound, prompt, maxTokens, s, cancellationToken)));
        var answered = candidates.Where(c => c.Text is not null).ToList();
        if (answered.Count == 0)
        {
            return candidates;
        }

        using var embed = new HttpRequestMessage(HttpMethod.Post, $"{options.TokenizerUrl}/embed")
        {
            Content = JsonContent.Create(new { texts = answered.Select(c => c.Text).Prepend(prompt).ToArray() }),
        };
        using var response = await clients.CreateClient(DemoServiceCollectionExtensions.MeshClient).SendAsync(embed.CopyFrom(inbound), cancellationToken);
        response.EnsureSuccessStatusCode();
        var vectors = (await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("vectors")
            .EnumerateArray().Select(v => v.EnumerateArray().Select(x => x.GetSingle()).ToArray()).ToArray();
        var scored = answered.Select((c, i) => c with { Score = Math.Round(HashedEmbedding.Cosine(vectors[0], vectors[i + 1]), 4) });
        return [.. scored.OrderByDescending(c => c.Score), .. candidates.Where(c => c.Text is null)];
    }

    /// <summary>Calls the model and reads its stream to the end: the ranker needs whole completions.</summary>
    public async Task<Candidate> GenerateAsync(HttpRequest inbound, string prompt, int maxTokens, int seed, CancellationToken cancellationToken)
    {
        using var call = ModelCall(inbound, prompt, maxTokens, seed);
        try
        {
            using var response = await clients.CreateClient(DemoServiceCollectionExtensions.MeshClient).SendAsync(call, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var version = response.Headers.TryGetValues("x-model-version", out var values) ? values.First() : null;
            if (!response.IsSuccessStatusCode)
            {
                return new Candidate(seed, version, null, (int)response.StatusCode, Trim(await response.Content.ReadAsStringAsync(cancellationToken)));
            }

            await foreach (var e in ServerSentEvents.ReadAsync(await response.Content.ReadAsStreamAsync(cancellationToken), cancellationToken))
            {
                if (e.Event == "done")
                {
                    var done = JsonDocument.Parse(e.Data).RootElement;
                    return new Candidate(seed, done.GetProperty("version").GetString(), done.GetProperty("text").GetString(), 200, null);
                }
            }

            return new Candidate(seed, version, null, 200, "the stream ended before its done event");
        }
        catch (HttpRequestException ex)
        {
            return new Candidate(seed, null, null, null, ex.Message);
        }
    }

    public HttpRequestMessage ModelCall(HttpRequest inbound, string prompt, int maxTokens, int? seed) =>
        new HttpRequestMessage(HttpMethod.Get,
            $"{options.ModelUrl}/generate?prompt={Uri.EscapeDataString(prompt)}&maxTokens={maxTokens}{(seed is null ? "" : $"&seed={seed}")}").CopyFrom(inbound);

    private static string Trim(string body) => body.Length <= 300 ? body : body[..300];
}
