using System.Text;
using System.Text.Json;
using Mesh.Sidecar.Inference;

namespace Mesh.Tests.Sidecar.Inference;

public sealed class StreamOptionsInjectionTests
{
    [Theory]
    [InlineData("""{"model":"m","stream":true}""", false, false)]
    [InlineData("""{"model":"m","stream":true,"stream_options":{"include_usage":true}}""", true, true)]
    [InlineData("""{"stream_options":{"include_usage":false,"x":[1,{"include_usage":true}]},"stream":true}""", true, false)]
    [InlineData("""{"stream_options":{"continuous_usage_stats":true},"stream":true}""", true, false)]
    [InlineData("""{"stream_options":null,"stream":true}""", false, false)]
    public void Scanner_ReportsStreamOptions(string body, bool present, bool includeUsage)
    {
        var scanner = new InferenceRequestScanner();
        Assert.Equal(InferenceScanOutcome.Complete, scanner.Feed(Encoding.UTF8.GetBytes(body)));

        Assert.Equal(present, scanner.StreamOptionsPresent);
        Assert.Equal(includeUsage, scanner.IncludeUsage);
    }

    [Theory]
    [InlineData(true, false, true, true)]
    [InlineData(true, true, true, false)]
    [InlineData(false, false, true, false)]
    [InlineData(true, false, false, false)]
    public void Applies_OnlyToAWholeStreamedObjectWithoutStreamOptions(bool stream, bool streamOptions, bool objectEnded, bool applies)
    {
        var outcome = objectEnded ? InferenceScanOutcome.Complete : InferenceScanOutcome.Incomplete;
        var request = new InferenceRequest("m", false, stream, null, null, outcome, 10, new PromptPrefixHasher(), streamOptions, false);

        Assert.Equal(applies, StreamOptionsInjection.Applies(request));
    }

    [Fact]
    public void Inject_AddsTheMemberFirst_AndKeepsTheRestOfTheBody()
    {
        var prefix = "  \n{ \"model\":\"m\",\"stream\":true}"u8;

        var injected = StreamOptionsInjection.Inject(prefix);

        Assert.Equal(prefix.Length + StreamOptionsInjection.Member.Length, injected.Length);
        using var document = JsonDocument.Parse(injected);
        Assert.True(document.RootElement.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
        Assert.Equal("m", document.RootElement.GetProperty("model").GetString());
    }
}
