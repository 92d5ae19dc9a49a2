using System.Text.Json;
using Mesh.SimLlm.Engine;
using Mesh.SimLlm.Hosting;
using Mesh.SimLlm.Text;

namespace Mesh.SimLlm.Api;

/// <summary>
/// <c>POST /v1/embeddings</c>: a hashed bag of tokens per input, L2-normalised, so equal texts get equal vectors and
/// texts sharing words point the same way. Embeddings take no sequence slot and no simulated time.
/// </summary>
internal sealed class EmbeddingHandler(SimLlmOptions options, EngineStats stats)
{
    public async Task<IResult> HandleAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        var (document, error) = await JsonBody.ParseAsync(request, cancellationToken);
        if (document is null)
        {
            return error!.ToResult(request.HttpContext);
        }

        using (document)
        {
            var body = JsonBody.Of(document);
            var model = body.OptionalString("model") ?? options.ModelNames[0];
            var inputs = body.Required("input") is { } input ? Inputs(body, input) : [];
            if (body.Error is { } bad)
            {
                return bad.ToResult(request.HttpContext);
            }

            if (!options.ModelNames.Contains(model))
            {
                return ApiError.UnknownModel(model).ToResult(request.HttpContext);
            }

            var tokens = inputs.Sum(i => i.Count);
            stats.Embedded(tokens);
            var data = inputs.Select((ids, index) => new EmbeddingData("embedding", index, Embed(StableHash.Of(model), ids))).ToList();
            return Results.Json(new EmbeddingList("list", data, model, new EmbeddingUsage(tokens, tokens)), OpenAiJsonContext.Default.EmbeddingList);
        }
    }

    private static List<List<ulong>> Inputs(JsonBody body, JsonElement input)
    {
        if (input.ValueKind == JsonValueKind.String)
        {
            return [Tokens(input)];
        }

        if (input.ValueKind == JsonValueKind.Array && input.GetArrayLength() > 0)
        {
            if (input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
            {
                return input.EnumerateArray().Select(Tokens).ToList();
            }

            if (input.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out var id) && id >= 0))
            {
                return [input.EnumerateArray().Select(e => StableHash.Combine(0, (ulong)e.GetInt64())).ToList()];
            }
        }

        body.Fail("input", "'input' must be a string, a non-empty array of strings, or a non-empty array of token ids");
        return [];
    }

    private static List<ulong> Tokens(JsonElement text)
    {
        var ids = new List<ulong>();
        SimpleTokenizer.AppendIds(text.GetString()!, ids);
        return ids;
    }

    private float[] Embed(ulong modelHash, List<ulong> ids)
    {
        var vector = new float[options.EmbeddingDimensions];
        foreach (var id in ids)
        {
            var hash = StableHash.Combine(modelHash, id);
            vector[(int)(hash % (ulong)vector.Length)] += (hash & (1UL << 63)) == 0 ? 1f : -1f;
        }

        var norm = MathF.Sqrt(vector.Sum(x => x * x));
        return norm == 0 ? vector : vector.Select(x => x / norm).ToArray();
    }
}
