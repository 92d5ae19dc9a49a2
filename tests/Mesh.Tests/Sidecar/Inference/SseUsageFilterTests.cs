using System.Buffers;
using System.Text;
using Mesh.Sidecar.Inference;

namespace Mesh.Tests.Sidecar.Inference;

public sealed class SseUsageFilterTests
{
    private const string Role = "data: {\"id\":\"c1\",\"model\":\"llama-3-8b\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}]}\n\n";
    private const string Token1 = "data: {\"id\":\"c1\",\"model\":\"llama-3-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"alpha \\\"[]{}\"}}],\"usage\":null}\n\n";
    private const string Token2 = "data: {\"id\":\"c1\",\"model\":\"llama-3-8b\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" beta\"},\"finish_reason\":\"length\"}]}\n\n";
    private const string Usage = "data: {\"id\":\"c1\",\"model\":\"llama-3-8b\",\"choices\":[],\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":2,\"total_tokens\":8,\"prompt_tokens_details\":{\"cached_tokens\":0}}}\n\n";
    private const string Done = "data: [DONE]\n\n";
    private const string Stream = Role + Token1 + Token2 + Usage + Done;

    public static TheoryData<string> LineEndings => new() { "\n", "\r\n" };

    [Theory]
    [MemberData(nameof(LineEndings))]
    public void Stripping_RemovesOnlyTheUsageChunk_AtEverySplit(string newline)
    {
        var bytes = Encode(Stream, newline);
        var expected = Encode(Role + Token1 + Token2 + Done, newline);
        foreach (var chunks in Chunkings(bytes))
        {
            var filter = new SseUsageFilter(strip: true);
            var output = new ArrayBufferWriter<byte>();
            foreach (var chunk in chunks)
            {
                filter.Process(chunk, output);
            }

            filter.Finish(output);
            Assert.Equal(Encoding.UTF8.GetString(expected), Encoding.UTF8.GetString(output.WrittenSpan));
            AssertUsage(filter, stripped: 1);
        }
    }

    [Theory]
    [MemberData(nameof(LineEndings))]
    public void Observing_ReadsTheClientsOwnUsageChunk_AtEverySplit(string newline)
    {
        foreach (var chunks in Chunkings(Encode(Stream, newline)))
        {
            var filter = new SseUsageFilter(strip: false);
            foreach (var chunk in chunks)
            {
                filter.Process(chunk, null);
            }

            filter.Finish(null);
            AssertUsage(filter, stripped: 0);
        }
    }

    [Fact]
    public void CompleteEvents_ArePassedOnAtOnce_OnlyTheIncompleteTailIsHeld()
    {
        var filter = new SseUsageFilter(strip: true);
        var output = new ArrayBufferWriter<byte>();
        var roleAndHalf = Encode(Role + Token1[..20], "\n");

        filter.Process(roleAndHalf, output);
        Assert.Equal(Role, Encoding.UTF8.GetString(output.WrittenSpan));

        output.ResetWrittenCount();
        filter.Process(Encode(Token1[20..] + Token2[..1], "\n"), output);
        Assert.Equal(Token1, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Fact]
    public void AnUnterminatedLastEvent_IsPassedOnWhenTheStreamEnds()
    {
        var filter = new SseUsageFilter(strip: true);
        var output = new ArrayBufferWriter<byte>();

        filter.Process(Encode(Role + "data: [DONE]", "\n"), output);
        filter.Finish(output);

        Assert.Equal(Role + "data: [DONE]", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    [Theory]
    [InlineData("data: not json\n\nevent: x\ndata: {\"choices\":[],\"usage\":\n\n: comment\n\n")]
    [InlineData("\n\n\n")]
    [InlineData("data: {\"choices\":[],\"usage\":null}\n\n")]
    public void EventsThatAreNotAUsageChunk_PassUnchanged(string stream)
    {
        var filter = new SseUsageFilter(strip: true);
        var output = new ArrayBufferWriter<byte>();

        filter.Process(Encoding.UTF8.GetBytes(stream), output);
        filter.Finish(output);

        Assert.Equal(stream, Encoding.UTF8.GetString(output.WrittenSpan));
        Assert.Equal(0, filter.Stripped);
    }

    [Fact]
    public void DataSplitOverSeveralLines_IsJoinedBeforeReading()
    {
        var filter = new SseUsageFilter(strip: true);
        var output = new ArrayBufferWriter<byte>();

        filter.Process("data: {\"choices\":[],\ndata: \"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}\n\n"u8, output);

        Assert.Equal(0, output.WrittenCount);
        Assert.Equal(3, filter.Usage.PromptTokens);
        Assert.Equal(4, filter.Usage.CompletionTokens);
    }

    [Fact]
    public void AnEventBeyondTheLimit_TurnsTheFilterIntoAPassThrough()
    {
        var filter = new SseUsageFilter(strip: true);
        var output = new ArrayBufferWriter<byte>();
        var huge = "data: " + new string('x', SseUsageFilter.MaxEventBytes + 10);

        filter.Process(Encoding.UTF8.GetBytes(huge), output);
        filter.Process(Encode("\n\n" + Usage, "\n"), output);
        filter.Finish(output);

        Assert.Equal(huge + "\n\n" + Usage, Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private static void AssertUsage(SseUsageFilter filter, int stripped)
    {
        Assert.True(filter.Usage.HasUsage);
        Assert.Equal(6, filter.Usage.PromptTokens);
        Assert.Equal(2, filter.Usage.CompletionTokens);
        Assert.Equal("llama-3-8b", filter.Model);
        Assert.Equal(stripped, filter.Stripped);
    }

    private static byte[] Encode(string text, string newline) => Encoding.UTF8.GetBytes(text.Replace("\n", newline, StringComparison.Ordinal));

    /// <summary>The whole stream, byte by byte, and every split into two and into three pieces.</summary>
    internal static IEnumerable<byte[][]> Chunkings(byte[] bytes)
    {
        yield return [bytes];
        yield return bytes.Select(b => new[] { b }).ToArray();
        for (var i = 1; i < bytes.Length; i++)
        {
            yield return [bytes[..i], bytes[i..]];
            for (var j = i + 1; j < bytes.Length; j += 7)
            {
                yield return [bytes[..i], bytes[i..j], bytes[j..]];
            }
        }
    }
}
