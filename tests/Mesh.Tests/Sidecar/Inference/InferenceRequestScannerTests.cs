using System.Text;
using System.Text.Json;
using Mesh.Sidecar.Inference;

namespace Mesh.Tests.Sidecar.Inference;

public sealed class InferenceRequestScannerTests
{
    public static TheoryData<string, string?, bool?, long?, string?> Bodies => new()
    {
        { """{"model":"llama-3-8b","messages":[{"role":"user","content":"hi"}]}""", "llama-3-8b", null, null, null },
        { """{"messages":[{"role":"user","content":"a \"quote\" {x} [y] \\"}],"model":"m","stream":true}""", "m", true, null, null },
        { """ { "model" : "m" , "stream" : false , "max_tokens" : 128 , "user" : "alice" } """, "m", false, 128, "alice" },
        { """{"model":"llama\u002d3","max_completion_tokens":7}""", "llama-3", null, 7, null },
        { """{"stream_options":{"include_usage":true,"model":"nested-not-top"},"model":"top"}""", "top", null, null, null },
        { """{"modelx":"no","model_name":"no","prompt":"model"}""", null, null, null, null },
        { """{"model":"m","max_tokens":-1}""", "m", null, null, null },
        { """{"model":"m","max_tokens":1.5,"stream":"yes"}""", "m", null, null, null },
        { """{"model":"m","user":42}""", "m", null, null, null },
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Fields_AreReadWhateverTheChunking(string json, string? model, bool? stream, long? maxTokens, string? user)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        // One piece, byte by byte, and split at every position: the outcome may not depend on where chunks end.
        var chunkings = new List<List<byte[]>> { new() { bytes }, bytes.Select(b => new[] { b }).ToList() };
        for (var split = 1; split < bytes.Length; split++)
        {
            chunkings.Add([bytes[..split], bytes[split..]]);
        }

        foreach (var chunks in chunkings)
        {
            var scanner = new InferenceRequestScanner();
            var outcome = InferenceScanOutcome.Incomplete;
            foreach (var chunk in chunks)
            {
                outcome = scanner.Feed(chunk);
            }

            Assert.Equal(InferenceScanOutcome.Complete, outcome);
            Assert.Equal(model, scanner.Model);
            Assert.Equal(stream, scanner.Stream);
            Assert.Equal(maxTokens, scanner.MaxTokens);
            Assert.Equal(user, scanner.User);
        }
    }

    [Theory]
    [InlineData("""{"model":42}""")]
    [InlineData("""{"model":null}""")]
    [InlineData("""{"model":{"name":"m"}}""")]
    [InlineData("""{"model":["m"]}""")]
    [InlineData("{\"model\":\"\\ud800\"}")]
    public void ModelThatIsNotAUsableString_IsReportedUnusable(string json)
    {
        var scanner = new InferenceRequestScanner();

        Assert.Equal(InferenceScanOutcome.Complete, scanner.Feed(Encoding.UTF8.GetBytes(json)));
        Assert.Null(scanner.Model);
        Assert.True(scanner.ModelUnusable);
    }

    [Fact]
    public void ModelLongerThanTheLimit_IsNotRoutedOn()
    {
        var scanner = new InferenceRequestScanner();
        scanner.Feed(Encoding.UTF8.GetBytes($$"""{"model":"{{new string('m', InferenceRequestScanner.MaxValueBytes + 1)}}"}"""));

        Assert.Null(scanner.Model);
        Assert.True(scanner.ModelUnusable);
    }

    [Fact]
    public void InvalidUtf8InTheModel_IsNotRoutedOn()
    {
        var scanner = new InferenceRequestScanner();
        scanner.Feed([.. "{\"model\":\""u8, 0xC3, 0x28, .. "\"}"u8]);

        Assert.Null(scanner.Model);
        Assert.True(scanner.ModelUnusable);
    }

    [Theory]
    [InlineData("[1,2]", "NotAnObject")]
    [InlineData("hello", "NotAnObject")]
    [InlineData("\"model\"", "NotAnObject")]
    [InlineData("""{"model" "m"}""", "Malformed")]
    [InlineData("""{"a":1,}""", "Malformed")]
    [InlineData("""{"a":,"model":"m"}""", "Malformed")]
    [InlineData("""{model:"m"}""", "Malformed")]
    [InlineData("""{"model":"m" """, "Incomplete")]
    [InlineData("{}", "Complete")]
    public void Shapes_GiveTheirOutcome(string json, string expected)
    {
        Assert.Equal(Enum.Parse<InferenceScanOutcome>(expected), new InferenceRequestScanner().Feed(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void RandomRequests_AgreeWithTheJsonDocumentReading()
    {
        // Seeded: a failure names the seed's case and reproduces exactly.
        var random = new Random(20261202);
        for (var i = 0; i < 500; i++)
        {
            var model = RandomText(random, random.Next(1, 40));
            var fields = new List<KeyValuePair<string, object?>>
            {
                new("messages", Enumerable.Range(0, random.Next(0, 4)).Select(_ => new { role = "user", content = RandomText(random, random.Next(0, 200)) }).ToArray()),
                new("model", model),
                new("temperature", random.NextDouble()),
                new("stream", random.Next(2) == 0),
                new("metadata", new Dictionary<string, object> { ["model"] = "decoy", ["list"] = new object[] { "}", "{", "]", "\\\"" } }),
            };
            var shuffled = fields.OrderBy(_ => random.Next()).ToDictionary(f => f.Key, f => f.Value);
            var json = JsonSerializer.SerializeToUtf8Bytes(shuffled, new JsonSerializerOptions { WriteIndented = random.Next(2) == 0 });
            using var document = JsonDocument.Parse(json);
            var scanner = new InferenceRequestScanner();
            var cut = random.Next(1, json.Length);
            scanner.Feed(json.AsSpan(0, cut));
            var outcome = scanner.Feed(json.AsSpan(cut));

            Assert.Equal(InferenceScanOutcome.Complete, outcome);
            Assert.Equal(document.RootElement.GetProperty("model").GetString(), scanner.Model);
            Assert.Equal(document.RootElement.GetProperty("stream").GetBoolean(), scanner.Stream);
        }
    }

    private static string RandomText(Random random, int length)
    {
        const string Alphabet = "abcXYZ019 -_.:/\"\\{}[],é日\n\t";
        return new string(Enumerable.Range(0, length).Select(_ => Alphabet[random.Next(Alphabet.Length)]).ToArray());
    }
}
