using System.Text;
using Mesh.Sidecar.Inference;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Sidecar.Inference;

public sealed class InferenceResponseStreamTests
{
    private const string Role = "data: {\"model\":\"llama-3-8b\",\"choices\":[{\"delta\":{\"role\":\"assistant\"}}]}\n\n";
    private const string Usage = "data: {\"model\":\"llama-3-8b\",\"choices\":[],\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":2}}\n\n";
    private const string Done = "data: [DONE]\n\n";

    [Fact]
    public async Task InjectedUsage_EachCompleteEventIsWrittenThrough_TheUsageChunkIsNot_AndTimesAreStamped()
    {
        var time = new ManualTimeProvider();
        var (stream, inner, usage) = Create("text/event-stream; charset=utf-8", injected: true, time);
        var start = time.GetTimestamp();

        time.Advance(TimeSpan.FromMilliseconds(40));
        await stream.WriteAsync(Bytes(Role + Usage[..30]));
        Assert.Equal(Role, Text(inner));

        time.Advance(TimeSpan.FromMilliseconds(60));
        await stream.WriteAsync(Bytes(Usage[30..] + Done));
        await stream.FinishAsync(CancellationToken.None);

        Assert.Equal(Role + Done, Text(inner));
        Assert.Equal(6, usage.PromptTokens);
        Assert.Equal(2, usage.CompletionTokens);
        Assert.Equal("llama-3-8b", usage.ResponseModel);
        Assert.Equal(TimeSpan.FromMilliseconds(40), time.GetElapsedTime(start, usage.FirstByteTimestamp));
        Assert.Equal(TimeSpan.FromMilliseconds(100), time.GetElapsedTime(start, usage.LastByteTimestamp));
    }

    [Fact]
    public async Task ClientsOwnUsage_EveryByteIsWrittenThroughAsItComes()
    {
        var (stream, inner, usage) = Create("text/event-stream", injected: false, new ManualTimeProvider());

        await stream.WriteAsync(Bytes(Usage[..10]));
        Assert.Equal(Usage[..10], Text(inner));
        await stream.WriteAsync(Bytes(Usage[10..] + Done));
        await stream.FinishAsync(CancellationToken.None);

        Assert.Equal(Usage + Done, Text(inner));
        Assert.Equal(2, usage.CompletionTokens);
    }

    [Theory]
    [InlineData("application/json", "{\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}", 4L)]
    [InlineData("application/json", "upstream connect error", null)]
    [InlineData("text/html", "<h1>{\"usage\":{\"completion_tokens\":4}}</h1>", null)]
    [InlineData(null, "data: {\"choices\":[],\"usage\":{\"completion_tokens\":4}}\n\n", null)]
    public async Task OtherBodies_PassUnchanged(string? contentType, string body, long? completionTokens)
    {
        var (stream, inner, usage) = Create(contentType, injected: true, new ManualTimeProvider());

        await stream.WriteAsync(Bytes(body[..5]));
        await stream.WriteAsync(Bytes(body[5..]));
        await stream.FinishAsync(CancellationToken.None);

        Assert.Equal(body, Text(inner));
        Assert.Equal(completionTokens, usage.CompletionTokens);
    }

    private static (InferenceResponseStream Stream, MemoryStream Inner, InferenceUsage Usage) Create(string? contentType, bool injected, TimeProvider time)
    {
        var context = new DefaultHttpContext();
        context.Response.ContentType = contentType;
        var inner = new MemoryStream();
        var usage = new InferenceUsage("chat", "m", streaming: true, injectedUsage: injected);
        return (new InferenceResponseStream(inner, context.Response, usage, time), inner, usage);
    }

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    private static string Text(MemoryStream stream) => Encoding.UTF8.GetString(stream.ToArray());
}
