using Mesh.Demo.Hosting;
using Mesh.Demo.Text;

namespace Mesh.Demo.Tokenizer;

internal static class TokenizerEndpoints
{
    public sealed record EmbedRequest
    {
        public IReadOnlyList<string>? Texts { get; init; }
    }

    public static WebApplication MapTokenizer(this WebApplication app)
    {
        app.MapGet("/tokenize", (string? text) =>
            text is null or { Length: > WordTokenizer.MaxInputChars }
                ? BadRequest.Field("text", text is null ? null : $"{text.Length} chars", $"must be 1..{WordTokenizer.MaxInputChars} characters")
                : Results.Json(new { tokens = WordTokenizer.Tokenize(text) }));

        app.MapPost("/embed", (EmbedRequest? request, HashedEmbedding embedding) =>
        {
            if (request?.Texts is not { Count: > 0 and <= 64 } texts)
            {
                return BadRequest.Field("texts", request?.Texts?.Count.ToString(), "must hold 1..64 strings");
            }

            var bad = texts.ToList().FindIndex(t => t is null || t.Length > WordTokenizer.MaxInputChars);
            if (bad >= 0)
            {
                return BadRequest.Field($"texts[{bad}]", texts[bad] is { } t ? $"{t.Length} chars" : null, $"must be a string of at most {WordTokenizer.MaxInputChars} characters");
            }

            var vectors = texts.Select(t => embedding.Embed(WordTokenizer.Tokenize(t))).ToArray();
            return Results.Json(new { dimensions = embedding.Dimensions, vectors });
        });
        return app;
    }

    /// <summary>
    /// grpc.health.v1.Health, answered from ASP.NET Core's health checks; served on whichever Kestrel endpoint speaks
    /// HTTP/2 (up.sh gives the tokenizer a second, HTTP/2-only endpoint for it).
    /// </summary>
    public static WebApplication MapTokenizerGrpc(this WebApplication app)
    {
        app.MapGrpcHealthChecksService();
        return app;
    }
}
