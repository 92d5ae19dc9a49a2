using System.Text.Json;
using Mesh.Istio.Validation;
using Mesh.Istio.Yaml;

namespace Mesh.Tests.Istio;

public sealed class ResourceDocumentReaderTests
{
    private static readonly string SamplesDirectory = Mesh.Tests.Infrastructure.IstioSamples.Directory;

    public static TheoryData<string> SampleFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(SamplesDirectory, "*.yaml").Order())
        {
            data.Add(Path.GetFileName(file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public async Task ReadFileAsync_IstioSample_ParsesAndValidatesWithoutErrors(string file)
    {
        var documents = await ResourceDocumentReader.ReadFileAsync(Path.Combine(SamplesDirectory, file), CancellationToken.None);

        Assert.NotEmpty(documents);
        foreach (var document in documents)
        {
            Assert.Empty(ResourceValidator.Validate(document.Resource));
        }
    }

    [Fact]
    public async Task ReadFileAsync_MultiDocumentWithTrailingSeparator_SkipsEmptyDocument()
    {
        var documents = await ResourceDocumentReader.ReadFileAsync(Path.Combine(SamplesDirectory, "destination-rule-all.yaml"), CancellationToken.None);

        Assert.Equal(["productpage", "reviews", "ratings", "details"], documents.Select(d => d.Resource.Metadata.Name));
        Assert.Equal([0, 1, 2, 3], documents.Select(d => d.Index));
    }

    [Fact]
    public void ReadDocuments_YamlScalars_KeepTypes()
    {
        var resource = ResourceDocumentReader.Read("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: x, labels: { version: 1, enabled: true } }
            spec:
              percent: 100.0
              count: 7
              quoted: "80"
              single: '10'
              flag: false
              nothing: ~
              text: hello
            """).Single();

        var spec = resource.Spec;
        Assert.Equal("100.0", spec.GetProperty("percent").GetRawText());
        Assert.Equal(7, spec.GetProperty("count").GetInt32());
        Assert.Equal("80", spec.GetProperty("quoted").GetString());
        Assert.Equal("10", spec.GetProperty("single").GetString());
        Assert.Equal(JsonValueKind.False, spec.GetProperty("flag").ValueKind);
        Assert.Equal(JsonValueKind.Null, spec.GetProperty("nothing").ValueKind);
        Assert.Equal("hello", spec.GetProperty("text").GetString());
        Assert.Equal("1", resource.Metadata.Labels!["version"]);
        Assert.Equal("true", resource.Metadata.Labels!["enabled"]);
    }

    [Theory]
    [InlineData("""{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"a"},"spec":{}}""", "a")]
    [InlineData("""[{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"a"},"spec":{}},{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"b"},"spec":{}}]""", "a,b")]
    [InlineData("""{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"a"},"spec":{}},{"apiVersion":"networking.istio.io/v1","kind":"Gateway","metadata":{"name":"c"},"spec":{}}]}""", "a,c")]
    [InlineData("apiVersion: v1\nkind: List\nitems:\n- {apiVersion: networking.istio.io/v1, kind: Gateway, metadata: {name: y}, spec: {}}\n", "y")]
    public void Read_JsonAndListForms_ReturnsEveryResource(string text, string names)
    {
        var resources = ResourceDocumentReader.Read(text);

        Assert.Equal(names, string.Join(",", resources.Select(r => r.Metadata.Name)));
    }

    [Fact]
    public void Read_JsonWithNumber_KeepsNumberText()
    {
        var resource = ResourceDocumentReader.Read("""{"apiVersion":"networking.istio.io/v1","kind":"VirtualService","metadata":{"name":"a"},"spec":{"v":100.0}}""").Single();

        Assert.Equal("100.0", resource.Spec.GetProperty("v").GetRawText());
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: Gateway\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Gateway\nmetadata: {name: b\n", 1, "invalid YAML")]
    [InlineData("apiVersion: v1\nkind: Gateway\nmetadata: {name: a}\n---\nkind: Gateway\nmetadata: {name: b}\n", 1, "apiVersion is missing")]
    [InlineData("- just\n- a list\n", 0, "expected a resource object")]
    [InlineData("{\"apiVersion\": \"v1\",\n \"kind\": }", 0, "invalid JSON")]
    [InlineData("apiVersion: v1\nkind: Gateway\nmetadata: {name: [a]}\n", 0, "metadata.name")]
    public void Read_BadDocument_ThrowsWithDocumentAndLine(string text, int documentIndex, string reason)
    {
        var error = Assert.Throws<ResourceReadException>(() => ResourceDocumentReader.Read(text));

        Assert.Equal(documentIndex, error.DocumentIndex);
        Assert.True(error.Line >= 1, $"line {error.Line}");
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ReadDocuments_SecondDocument_ReportsItsStartLine()
    {
        var documents = ResourceDocumentReader.ReadDocuments("apiVersion: v1\nkind: Gateway\nmetadata: {name: a}\n---\napiVersion: v1\nkind: Gateway\nmetadata: {name: b}\n");

        Assert.Equal(5, documents[1].Line);
    }

    // Found by coverage-guided fuzzing (fuzz/Mesh.Fuzz, target "resources"): YamlDotNet threw InvalidOperationException
    // and ArgumentException for these, which escaped the reader, so meshctl apply -f crashed instead of naming the line.
    [Theory]
    [InlineData("x: [a\n- <", 1)]
    [InlineData(" : <", 1)]
    [InlineData("apiVersion: v1\nkind: Gateway\nmetadata: {name: a}\n---\nspec:\n  x: [a\n- <", 6)]
    public void Read_YamlTheParserCannotContinue_ThrowsResourceReadExceptionWithLine(string text, long line)
    {
        var error = Assert.Throws<ResourceReadException>(() => ResourceDocumentReader.Read(text));

        Assert.StartsWith("invalid YAML", error.Reason, StringComparison.Ordinal);
        Assert.Equal(line, error.Line);
    }
}
