using System.Text;
using Mesh.Sidecar.Inference;

namespace Mesh.Tests.Sidecar.Inference;

public sealed class JsonUsageReaderTests
{
    private const string Completion = """
        {"id":"c1","object":"chat.completion","model":"llama-3-8b","choices":[{"index":0,"message":{"role":"assistant",
        "content":"a \"usage\": {\"prompt_tokens\": 99} [x]"},"finish_reason":"stop"}],
        "usage":{"prompt_tokens":6,"completion_tokens":12,"total_tokens":18,"prompt_tokens_details":{"cached_tokens":0}}}
        """;

    [Fact]
    public void Usage_IsFound_WhereverTheBodyIsCut()
    {
        foreach (var chunks in SseUsageFilterTests.Chunkings(Encoding.UTF8.GetBytes(Completion)))
        {
            var reader = new JsonUsageReader();
            foreach (var chunk in chunks)
            {
                reader.Feed(chunk);
            }

            Assert.True(reader.Fields.HasUsage);
            Assert.Equal(6, reader.Fields.PromptTokens);
            Assert.Equal(12, reader.Fields.CompletionTokens);
            Assert.Equal("llama-3-8b", reader.Fields.Model);
        }
    }

    [Fact]
    public void EmbeddingsUsage_HasPromptTokensOnly()
    {
        var reader = new JsonUsageReader();
        reader.Feed("""{"object":"list","data":[{"embedding":[0.1,-0.2]}],"model":"e","usage":{"prompt_tokens":8,"total_tokens":8}}"""u8);

        Assert.Equal(8, reader.Fields.PromptTokens);
        Assert.Null(reader.Fields.CompletionTokens);
    }

    [Theory]
    [InlineData("<html>502 Bad Gateway</html>")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"usage\":{\"prompt_tokens\":1},,}")]
    public void ABodyThatIsNotAJsonObject_GivesUp_WithoutUsage(string body)
    {
        var reader = new JsonUsageReader();
        reader.Feed(Encoding.UTF8.GetBytes(body));

        Assert.True(reader.GaveUp);
        Assert.Null(reader.Fields.CompletionTokens);
    }

    [Fact]
    public void ATokenLongerThanTheCarryLimit_GivesUp_InsteadOfHoldingIt()
    {
        var reader = new JsonUsageReader();
        reader.Feed("{\"content\":\""u8);
        reader.Feed(Encoding.UTF8.GetBytes(new string('x', JsonUsageReader.MaxCarryBytes + 1)));

        Assert.True(reader.GaveUp);
    }
}
