using System.Text.Json;
using Mesh.Tests.Infrastructure;
using Xunit;

namespace Mesh.Tests.Docs;

/// <summary>
/// docs/api.md is generated from the OpenAPI document a real silo serves; this test fails when the API changed and
/// the document was not regenerated (scripts/generate-api-docs.sh sets MESH_UPDATE_DOCS=1 to rewrite it instead).
/// </summary>
public sealed class ApiReferenceTests
{
    private static readonly string ApiDoc = Path.Combine(MeshPaths.RepositoryRoot, "docs", "api.md");

    [Fact]
    public async Task ApiReference_RenderedFromRunningSilo_MatchesDocsApiMd()
    {
        await using var silo = await SiloProcess.StartAsync();
        var openApi = JsonDocument.Parse(await silo.Admin.GetStringAsync("/openapi/v1.json")).RootElement;
        var rendered = ApiReferenceRenderer.Render(openApi);
        Assert.Contains("| POST | `/api/v1/join-tokens` |", rendered, StringComparison.Ordinal);

        if (Environment.GetEnvironmentVariable("MESH_UPDATE_DOCS") == "1")
        {
            await File.WriteAllTextAsync(ApiDoc, rendered);
        }

        var current = File.Exists(ApiDoc) ? await File.ReadAllTextAsync(ApiDoc) : "";
        Assert.True(current == rendered, "docs/api.md is out of date with the silo's OpenAPI document: run scripts/generate-api-docs.sh");
    }
}
