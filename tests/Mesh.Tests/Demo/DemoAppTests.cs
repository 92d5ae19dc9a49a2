using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Xunit;

namespace Mesh.Tests.Demo;

/// <summary>The demo services do real work: seeded generation, distinct model versions, embeddings, ranking, 400s that name the field.</summary>
public sealed class DemoAppTests(DemoAppFixture app) : IClassFixture<DemoAppFixture>
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Generate_SameSeed_SameStreamAndTheVersionsDiffer()
    {
        var first = await GenerateAsync(app.ModelV1, 7);
        var again = await GenerateAsync(app.ModelV1, 7);
        var v2 = await GenerateAsync(app.ModelV2, 7);

        Assert.Equal(20, first.Tokens.Count);
        Assert.Equal(first.Text, again.Text);
        Assert.NotEqual(first.Text, v2.Text);
        Assert.Equal("v2", v2.Version);
    }

    [Theory]
    [InlineData("/generate?maxTokens=0", "maxTokens must be an integer 1..200, got '0'")]
    [InlineData("/generate?maxTokens=abc", "maxTokens must be an integer 1..200, got 'abc'")]
    [InlineData("/generate?seed=-3", "seed must be a non-negative integer, got '-3'")]
    [InlineData("/admin/fail?enabled=maybe", "enabled must be true or false, got 'maybe'")]
    public async Task Model_BadInput_400NamingTheField(string path, string message)
    {
        using var response = path.StartsWith("/admin", StringComparison.Ordinal)
            ? await Client.PostAsync(new Uri(app.ModelV2, path), null)
            : await Client.GetAsync(new Uri(app.ModelV2, path));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(message, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString());
    }

    [Fact]
    public async Task Embed_SameTextAndOtherText_CosineOneAndLower()
    {
        using var response = await Client.PostAsJsonAsync(new Uri(app.Tokenizer, "/embed"),
            new { texts = new[] { "The model streams tokens.", "the MODEL streams tokens", "certificates rotate by themselves" } });
        var vectors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("vectors").EnumerateArray()
            .Select(v => v.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();

        Assert.Equal(1.0, Dot(vectors[0], vectors[1]), 4);
        Assert.True(Dot(vectors[0], vectors[2]) < 0.5, $"unrelated texts scored {Dot(vectors[0], vectors[2])}");
    }

    [Fact]
    public async Task Embed_NoTexts_400NamingTexts()
    {
        using var response = await Client.PostAsJsonAsync(new Uri(app.Tokenizer, "/embed"), new { texts = Array.Empty<string>() });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("texts must hold 1..64 strings", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_FourCandidates_OrderedByEmbeddingSimilarityToThePrompt()
    {
        var result = await Client.GetFromJsonAsync<JsonElement>(new Uri(app.Ranker, "/complete?prompt=the+sidecar+routes&candidates=4&maxTokens=10&seed=11"));
        var candidates = result.GetProperty("candidates").EnumerateArray().ToList();
        var scores = candidates.Select(c => c.GetProperty("score").GetDouble()).ToList();

        Assert.Equal(4, candidates.Count);
        Assert.Equal(scores.OrderByDescending(s => s), scores);
        Assert.Equal(candidates[0].GetProperty("text").GetString(), result.GetProperty("best").GetString());

        // The scores are the tokenizer's cosine similarities: recompute the best one independently.
        using var embed = await Client.PostAsJsonAsync(new Uri(app.Tokenizer, "/embed"), new { texts = new[] { "the sidecar routes", result.GetProperty("best").GetString() } });
        var vectors = (await embed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("vectors").EnumerateArray()
            .Select(v => v.EnumerateArray().Select(x => x.GetDouble()).ToArray()).ToArray();
        Assert.Equal(Math.Round(Dot(vectors[0], vectors[1]), 4), scores[0], 3);
    }

    [Fact]
    public async Task Complete_EmptyPrompt_400NamingPrompt()
    {
        using var response = await Client.GetAsync(new Uri(app.Ranker, "/complete?prompt=&candidates=2"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("prompt must be 1..4096 characters", (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Complete_ModelSwitchedToFail_502ListingEachFailedCall()
    {
        (await Client.PostAsync(new Uri(app.ModelV1, "/admin/fail?enabled=true"), null)).EnsureSuccessStatusCode();
        try
        {
            using var response = await Client.GetAsync(new Uri(app.Ranker, "/complete?prompt=hello&candidates=2"));
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();

            Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
            Assert.Equal("no completion: every model call failed", body.GetProperty("error").GetString());
            Assert.All(body.GetProperty("candidates").EnumerateArray(), c => Assert.Equal(500, c.GetProperty("status").GetInt32()));
        }
        finally
        {
            (await Client.PostAsync(new Uri(app.ModelV1, "/admin/fail?enabled=false"), null)).EnsureSuccessStatusCode();
        }

        Assert.Equal(20, (await GenerateAsync(app.ModelV1, 1)).Tokens.Count);
    }

    private static async Task<(List<string> Tokens, string Text, string Version)> GenerateAsync(Uri model, int seed)
    {
        using var response = await Client.GetAsync(new Uri(model, $"/generate?prompt=the+mesh&maxTokens=20&seed={seed}"), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        var tokens = new List<string>();
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        string? name = null;
        while (await reader.ReadLineAsync() is { } line)
        {
            if (line.StartsWith("event: ", StringComparison.Ordinal))
            {
                name = line[7..];
            }
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
            {
                var data = JsonDocument.Parse(line[6..]).RootElement;
                if (name == "token")
                {
                    tokens.Add(data.GetProperty("token").GetString()!);
                }
                else
                {
                    return (tokens, data.GetProperty("text").GetString()!, data.GetProperty("version").GetString()!);
                }
            }
        }

        throw new InvalidOperationException("the stream ended without a done event");
    }

    private static double Dot(double[] a, double[] b) => a.Zip(b, (x, y) => x * y).Sum();
}
