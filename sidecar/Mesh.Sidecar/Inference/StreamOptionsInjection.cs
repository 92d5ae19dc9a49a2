namespace Mesh.Sidecar.Inference;

/// <summary>
/// Asks the model server for the usage of a streamed request whose client did not: <c>stream_options</c> with
/// <c>include_usage: true</c> is written as the first member of the body's object, so nothing else in the body moves
/// and the rest still streams through untouched. The usage chunk this adds is removed again from the response by
/// <see cref="SseUsageFilter"/>.
/// </summary>
internal static class StreamOptionsInjection
{
    public static ReadOnlySpan<byte> Member => "\"stream_options\":{\"include_usage\":true},"u8;

    /// <summary>
    /// Only a streamed body whose whole top-level object was read, with no <c>stream_options</c> of its own: a second
    /// member of that name later in an unread part of the body would make the JSON ambiguous. A client that sent
    /// <c>stream_options</c> without <c>include_usage</c> gets its body unchanged (its choice is respected, and the
    /// request's tokens are then not counted).
    /// </summary>
    public static bool Applies(InferenceRequest request) =>
        request is { Stream: true, StreamOptionsPresent: false, Outcome: InferenceScanOutcome.Complete };

    /// <summary>The prefix with <see cref="Member"/> after its opening brace (the scanner found the object to start there).</summary>
    public static ReadOnlyMemory<byte> Inject(ReadOnlySpan<byte> prefix)
    {
        var brace = prefix.IndexOf((byte)'{');
        var member = Member;
        var result = new byte[prefix.Length + member.Length];
        prefix[..(brace + 1)].CopyTo(result);
        member.CopyTo(result.AsSpan(brace + 1));
        prefix[(brace + 1)..].CopyTo(result.AsSpan(brace + 1 + member.Length));
        return result;
    }
}
