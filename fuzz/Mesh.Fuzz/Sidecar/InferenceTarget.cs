using System.Buffers;
using Mesh.Sidecar.Inference;

namespace Mesh.Fuzz.Sidecar;

/// <summary>
/// The readers of AI request and response bodies, which see the bytes in whatever pieces the network delivers. The
/// input's first byte picks the piece size; the rest is the body. None of the readers may throw (they give up on what
/// they cannot read), and reading in pieces must find what reading the whole body at once finds.
/// </summary>
internal static class InferenceTarget
{
    public static void Read(byte[] input)
    {
        if (input.Length == 0)
        {
            return;
        }

        var piece = 1 + (input[0] % 64);
        var body = input.AsSpan(1);

        var whole = Scan(body, body.Length);
        var pieces = Scan(body, piece);
        Same(whole.Outcome, pieces.Outcome, "request scanner outcome");
        Same(whole.Model, pieces.Model, "request scanner model");
        Same(whole.Stream, pieces.Stream, "request scanner stream");
        Same(whole.MaxTokens, pieces.MaxTokens, "request scanner max_tokens");

        Same(Fields(Usage(body, body.Length)), Fields(Usage(body, piece)), "JSON usage");

        var (sseWhole, modelWhole, strippedWhole) = Sse(body, body.Length);
        var (ssePieces, modelPieces, strippedPieces) = Sse(body, piece);
        Same(Fields(sseWhole), Fields(ssePieces), "SSE usage");
        Same(modelWhole, modelPieces, "SSE model");
        Same(strippedWhole, strippedPieces, "SSE stripped output");
    }

    private static InferenceRequestScanner Scan(ReadOnlySpan<byte> body, int piece)
    {
        var scanner = new InferenceRequestScanner();
        for (var i = 0; i < body.Length && scanner.Outcome == InferenceScanOutcome.Incomplete; i += piece)
        {
            scanner.Feed(body.Slice(i, Math.Min(piece, body.Length - i)));
        }

        return scanner;
    }

    private static UsageFields Usage(ReadOnlySpan<byte> body, int piece)
    {
        var reader = new JsonUsageReader();
        for (var i = 0; i < body.Length; i += piece)
        {
            reader.Feed(body.Slice(i, Math.Min(piece, body.Length - i)));
        }

        return reader.Fields;
    }

    private static (UsageFields Usage, string? Model, string Output) Sse(ReadOnlySpan<byte> body, int piece)
    {
        var filter = new SseUsageFilter(strip: true);
        var output = new ArrayBufferWriter<byte>();
        for (var i = 0; i < body.Length; i += piece)
        {
            filter.Process(body.Slice(i, Math.Min(piece, body.Length - i)), output);
        }

        filter.Finish(output);
        return (filter.Usage, filter.Model, Convert.ToHexString(output.WrittenSpan));
    }

    private static (string? Model, bool HasUsage, long? Prompt, long? Completion, bool ChoicesEmpty) Fields(UsageFields f) =>
        (f.Model, f.HasUsage, f.PromptTokens, f.CompletionTokens, f.ChoicesEmpty);

    private static void Same<T>(T whole, T pieces, string what)
    {
        if (!EqualityComparer<T>.Default.Equals(whole, pieces))
        {
            throw new FuzzPropertyException($"{what} differs when the body arrives in pieces: whole {whole}, pieces {pieces}");
        }
    }
}
