using System.Net;
using System.Text;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Health;

/// <summary>One silo for the class: every bad <c>healthCheck</c> gets a 400 naming the field and changes nothing.</summary>
public sealed class HealthCheckValidationFixture : IAsyncLifetime
{
    internal SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync() => Silo = await SiloProcess.StartAsync();

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

public sealed class HealthCheckValidationTests(HealthCheckValidationFixture fixture, ITestOutputHelper output) : IClassFixture<HealthCheckValidationFixture>
{
    public static TheoryData<string, string> Cases => new()
    {
        { """{"http":{"path":"/h"},"interval":"soon"}""", "spec.healthCheck.interval" },
        { """{"http":{"path":"/h"},"interval":"10ms"}""", "spec.healthCheck.interval" },
        { """{"http":{"path":"/h"},"interval":"2h"}""", "spec.healthCheck.interval" },
        { """{"http":{"path":"/h"},"interval":5}""", "spec.healthCheck.interval" },
        { """{"http":{"path":"/h"},"timeout":"0s"}""", "spec.healthCheck.timeout" },
        { """{"http":{"path":"/h"},"healthyThreshold":0}""", "spec.healthCheck.healthyThreshold" },
        { """{"http":{"path":"/h"},"unhealthyThreshold":1000}""", "spec.healthCheck.unhealthyThreshold" },
        { """{"http":{"path":"healthz"}}""", "spec.healthCheck.http.path" },
        { """{"http":{"path":"/a b"}}""", "spec.healthCheck.http.path" },
        { """{"http":{"path":"/h","expectedStatuses":[700]}}""", "spec.healthCheck.http.expectedStatuses[0]" },
        { """{"http":{"path":"/h","expectedStatuses":[]}}""", "spec.healthCheck.http.expectedStatuses" },
        { """{"http":{"path":"/h","port":0}}""", "spec.healthCheck.http.port" },
        { """{"tcp":{"port":70000}}""", "spec.healthCheck.tcp.port" },
        { """{"interval":"5s"}""", "spec.healthCheck" },
        { """{"http":{"path":"/h"},"tcp":{}}""", "spec.healthCheck" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PutService_BadHealthCheck_Gets400NamingTheField_AndWritesNothing(string healthCheck, string field)
    {
        var before = await fixture.Silo.StoreRevisionAsync();

        var (status, text) = await PutAsync("/api/v1/namespaces/default/services/checked", healthCheck);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains($"\"field\":\"{field}", text, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void ResourceValidator_BadHealthCheck_ErrorNamesTheField(string healthCheck, string field)
    {
        var resource = JsonSerializer.Deserialize<MeshResource>(ServiceJson("checked", healthCheck), MeshJson.Options)!;

        var messages = ResourceValidator.Validate(resource, strict: true);

        Assert.Contains(messages, m => m.Severity == ValidationSeverity.Error && m.Path == field);
    }

    [Fact]
    public async Task PutService_ValidHealthCheck_IsStoredAsGiven()
    {
        var (status, text) = await PutAsync("/api/v1/namespaces/default/services/valid", """{"http":{"path":"/healthz?deep=1","expectedStatuses":[200,204]},"interval":"500ms","timeout":"1.5s","healthyThreshold":1,"unhealthyThreshold":2}""");

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains("\"interval\":\"500ms\"", text, StringComparison.Ordinal);
        Assert.Contains("\"expectedStatuses\":[200,204]", text, StringComparison.Ordinal);
    }

    private async Task<(HttpStatusCode Status, string Text)> PutAsync(string path, string healthCheck)
    {
        using var content = new StringContent(ServiceJson(path[(path.LastIndexOf('/') + 1)..], healthCheck), Encoding.UTF8, "application/json");
        using var response = await fixture.Silo.Admin.PutAsync(path, content);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{path} {healthCheck}: {(int)response.StatusCode} {text}");
        return (response.StatusCode, text);
    }

    private static string ServiceJson(string name, string healthCheck) =>
        $$$"""{"apiVersion":"mesh.dev/v1","kind":"Service","metadata":{"name":"{{{name}}}"},"spec":{"ports":[{"name":"http","port":8080}],"healthCheck":{{{healthCheck}}}}}""";
}

/// <summary><c>meshctl get shards</c> against the same single silo (embedded store: it owns every shard).</summary>
public sealed class MeshctlShardsTests(HealthCheckValidationFixture fixture) : IClassFixture<HealthCheckValidationFixture>
{
    [Fact]
    public async Task GetShards_SingleSilo_TableShowsItOwningEveryShard()
    {
        var lines = await Poll.UntilAsync(async () =>
        {
            var result = await Cli.Meshctl.For(fixture.Silo).RunAsync("get", "shards");
            Assert.True(result.ExitCode == 0, result.ToString());
            var rows = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            return rows.Skip(1).All(l => l.Contains($" {fixture.Silo.SiloId} ", StringComparison.Ordinal)) ? rows : null;
        }, TimeSpan.FromSeconds(20), () => "the silo never owned every shard");

        Assert.StartsWith("SHARD ", lines[0], StringComparison.Ordinal);
        Assert.Equal(64, lines.Length - 1);
    }
}
