using System.Net;
using System.Net.Http.Json;
using System.Text;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>One silo for the whole class: every bad request must get a 4xx naming the problem and change nothing.</summary>
public sealed class AdminApiFixture : IAsyncLifetime
{
    internal SiloProcess Silo { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Silo = await SiloProcess.StartAsync();
        await Silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await Silo.Admin.RegisterAsync(new EndpointRegistration { Service = "reviews", Address = "10.0.0.1", Port = 9080 });
        await Silo.Admin.PutResourceAsync(TestResources.VirtualService("reviews", "reviews"));
    }

    public async Task DisposeAsync() => await Silo.DisposeAsync();
}

public sealed class AdminApiBadInputTests(AdminApiFixture fixture, ITestOutputHelper output) : IClassFixture<AdminApiFixture>
{
    private const string VsPath = "/api/v1/namespaces/default/resources/VirtualService/reviews";

    public static TheoryData<string, string, string, string, HttpStatusCode, string> Cases => new()
    {
        { "malformed JSON", "PUT", VsPath, "{\"apiVersion\": \"networking.istio.io/v1\", \"kind\": ", HttpStatusCode.BadRequest, "malformed JSON" },
        { "JSON of the wrong type", "PUT", VsPath, "[1,2,3]", HttpStatusCode.BadRequest, "malformed JSON" },
        { "unknown kind in URL", "PUT", "/api/v1/namespaces/default/resources/Frobnicator/x", Vs("x"), HttpStatusCode.NotFound, "unknown kind 'Frobnicator'" },
        { "kind disagrees with URL", "PUT", VsPath, Vs("reviews").Replace("\"VirtualService\"", "\"DestinationRule\"", StringComparison.Ordinal), HttpStatusCode.BadRequest, "\"field\":\"kind\"" },
        { "name disagrees with URL", "PUT", VsPath, Vs("ratings"), HttpStatusCode.BadRequest, "metadata.name" },
        { "invalid DNS-1123 name", "PUT", "/api/v1/namespaces/default/resources/VirtualService/Bad_Name", Vs("Bad_Name"), HttpStatusCode.BadRequest, "metadata.name" },
        { "invalid namespace", "PUT", "/api/v1/namespaces/NOT_OK/services/x", Svc("x"), HttpStatusCode.BadRequest, "metadata.namespace" },
        { "missing spec", "PUT", VsPath, "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\"}}", HttpStatusCode.BadRequest, "spec" },
        { "weights sum to 110", "PUT", VsPath, WeightedVs(100, 10), HttpStatusCode.BadRequest, "spec.http[0].route" },
        { "unknown spec field", "PUT", VsPath, "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\"},\"spec\":{\"hosts\":[\"reviews\"],\"htp\":[]}}", HttpStatusCode.BadRequest, "htp" },
        { "bad apiVersion", "PUT", VsPath, Vs("reviews").Replace("networking.istio.io/v1", "networking.istio.io/v9", StringComparison.Ordinal), HttpStatusCode.BadRequest, "apiVersion" },
        { "service without ports", "PUT", "/api/v1/namespaces/default/services/noports", "{\"apiVersion\":\"mesh.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"noports\"},\"spec\":{\"ports\":[]}}", HttpStatusCode.BadRequest, "spec.ports" },
        { "service port out of range", "PUT", "/api/v1/namespaces/default/services/badport", "{\"apiVersion\":\"mesh.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"badport\"},\"spec\":{\"ports\":[{\"port\":70000}]}}", HttpStatusCode.BadRequest, "spec.ports[0].port" },
        { "endpoint missing fields", "POST", "/api/v1/namespaces/default/endpoints", "{}", HttpStatusCode.BadRequest, "\"field\":\"service\"" },
        { "endpoint bad address", "POST", "/api/v1/namespaces/default/endpoints", "{\"service\":\"reviews\",\"address\":\"not an address!\",\"port\":80}", HttpStatusCode.BadRequest, "address" },
        { "duplicate endpoint", "POST", "/api/v1/namespaces/default/endpoints", "{\"service\":\"reviews\",\"address\":\"10.0.0.1\",\"port\":9080}", HttpStatusCode.Conflict, "already exists" },
        { "stale resourceVersion", "PUT", VsPath, Vs("reviews", resourceVersion: 1), HttpStatusCode.Conflict, "resourceVersion" },
        { "negative ttl", "POST", "/api/v1/namespaces/default/endpoints", "{\"service\":\"reviews\",\"address\":\"10.0.0.9\",\"port\":80,\"ttlSeconds\":-1}", HttpStatusCode.BadRequest, "ttlSeconds" },
        { "wrong content type", "PUT", VsPath, "hosts: [reviews]", HttpStatusCode.UnsupportedMediaType, "content type" },
        { "renew without names", "POST", "/api/v1/namespaces/default/endpoints/renew", "{\"names\":[],\"ttlSeconds\":10}", HttpStatusCode.BadRequest, "names" },
        { "conditional delete of missing", "DELETE", "/api/v1/namespaces/default/resources/VirtualService/nothere?resourceVersion=5", "", HttpStatusCode.Conflict, "does not exist" },
        // Found by tests/Mesh.Tests/Fuzz: each of these was a 500 (NullReferenceException, a transcoding error or PostgreSQL refusing a NUL).
        { "null apiVersion", "PUT", VsPath, Vs("reviews").Replace("\"networking.istio.io/v1\"", "null", StringComparison.Ordinal), HttpStatusCode.BadRequest, "apiVersion" },
        { "null metadata", "PUT", VsPath, "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":null,\"spec\":{\"hosts\":[\"reviews\"]}}", HttpStatusCode.BadRequest, "metadata" },
        { "null spec", "PUT", VsPath, "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\"},\"spec\":null}", HttpStatusCode.BadRequest, "spec" },
        { "null list item in a spec", "PUT", VsPath, Vs("reviews").Replace("\"route\":[", "\"route\":[null,", StringComparison.Ordinal), HttpStatusCode.BadRequest, "spec.http[0].route[0]" },
        { "null list item under a miscased field", "PUT", VsPath, Vs("reviews").Replace("\"route\":[", "\"Route\":[null,", StringComparison.Ordinal), HttpStatusCode.BadRequest, "spec.http[0].Route[0]" },
        { "null label value", "PUT", "/api/v1/namespaces/default/services/x", Svc("x").Replace("\"name\":\"x\"", "\"name\":\"x\",\"labels\":{\"app\":null}", StringComparison.Ordinal), HttpStatusCode.BadRequest, "metadata.labels" },
        { "null service ports", "PUT", "/api/v1/namespaces/default/services/x", Svc("x").Replace("[{\"port\":80}]", "null", StringComparison.Ordinal), HttpStatusCode.BadRequest, "spec.ports" },
        { "null service port", "PUT", "/api/v1/namespaces/default/services/x", Svc("x").Replace("[{\"port\":80}]", "[null]", StringComparison.Ordinal), HttpStatusCode.BadRequest, "spec.ports[0]" },
        { "NUL in an annotation", "PUT", VsPath, Vs("reviews").Replace("\"name\":\"reviews\"", "\"name\":\"reviews\",\"annotations\":{\"a\":\"x\\u0000\"}", StringComparison.Ordinal), HttpStatusCode.BadRequest, "metadata.annotations.a" },
        { "NUL in a service spec", "PUT", "/api/v1/namespaces/default/services/x", Svc("x").Replace("{\"port\":80}", "{\"port\":80,\"name\":\"h\\u0000\"}", StringComparison.Ordinal), HttpStatusCode.BadRequest, "spec.ports[0].name" },
        { "NUL in a name to renew", "POST", "/api/v1/namespaces/default/endpoints/renew", "{\"names\":[\"a\\u0000\"],\"ttlSeconds\":10}", HttpStatusCode.BadRequest, "names[0]" },
        { "null endpoint service", "POST", "/api/v1/namespaces/default/endpoints", "{\"service\":null,\"address\":\"10.0.0.9\",\"port\":80}", HttpStatusCode.BadRequest, "service" },
        { "NUL in registeredBy", "POST", "/api/v1/namespaces/default/endpoints", "{\"service\":\"reviews\",\"address\":\"10.0.0.9\",\"port\":80,\"registeredBy\":\"\\u0000\"}", HttpStatusCode.BadRequest, "registeredBy" },
        { "no such API path", "POST", "/api/v1/namespaces/default/nothing", "{}", HttpStatusCode.NotFound, "no such API path" },
        { "newline after the namespace", "POST", "/api/v1/namespaces/default%0A/resources/VirtualService", Vs("fresh"), HttpStatusCode.BadRequest, "metadata.namespace" },
        { "query value of the wrong type", "DELETE", VsPath + "?resourceVersion=abc", "", HttpStatusCode.BadRequest, "\"field\":\"resourceVersion\"" },
        // Writes go to the grain that owns the service, keyed namespace/service (an escaped slash stays escaped in route values).
        { "deregister a name no registration makes", "DELETE", "/api/v1/namespaces/default/endpoints/nodot", "", HttpStatusCode.NotFound, "not found" },
        { "deregister under an escaped slash", "DELETE", "/api/v1/namespaces/a%2Fb/endpoints/reviews.10.0.0.1.9080", "", HttpStatusCode.NotFound, "not found" },
        { "health of an escaped-slash endpoint", "PUT", "/api/v1/namespaces/default/endpoints/a%2Fb.c/health", "{\"health\":\"Unhealthy\"}", HttpStatusCode.NotFound, "not found" },
        { "delete a service under an escaped slash", "DELETE", "/api/v1/namespaces/a%2Fb/services/reviews", "", HttpStatusCode.NotFound, "not found" },
        { "stale deregistration", "DELETE", "/api/v1/namespaces/default/endpoints/reviews.10.0.0.1.9080?resourceVersion=1", "", HttpStatusCode.Conflict, "resourceVersion" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadRequest_Gets4xxNamingTheProblem_AndWritesNothing(string name, string method, string path, string body, HttpStatusCode expected, string mentions)
    {
        var before = await fixture.Silo.StoreRevisionAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (body.Length > 0)
        {
            request.Content = new StringContent(body, Encoding.UTF8, name == "wrong content type" ? "text/plain" : "application/json");
        }

        using var response = await fixture.Silo.Admin.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{name}: {(int)response.StatusCode} {text}");

        Assert.Equal(expected, response.StatusCode);
        Assert.Contains(mentions, text, StringComparison.Ordinal);
        Assert.StartsWith("{\"error\":", text, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 })]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]
    [InlineData(new byte[] { 0xFF })]
    public async Task InvalidUtf8InSpecString_Gets400NamingTheField_AndWritesNothing(byte[] bad)
    {
        var before = await fixture.Silo.StoreRevisionAsync();
        var text = Vs("reviews");
        var at = text.IndexOf("[\"reviews\"]", StringComparison.Ordinal) + 2;
        byte[] body = [.. Encoding.UTF8.GetBytes(text[..at]), .. bad, .. Encoding.UTF8.GetBytes(text[at..])];
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new("application/json");

        using var response = await fixture.Silo.Admin.PutAsync(VsPath, content);
        var answer = await response.Content.ReadAsStringAsync();
        output.WriteLine(answer);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("\"field\":\"spec.hosts[0]\"", answer, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", answer, StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Fact]
    public async Task OversizedBody_Gets413_AndWritesNothing()
    {
        var before = await fixture.Silo.StoreRevisionAsync();
        var huge = Vs("reviews").Replace("\"hosts\":[", "\"hosts\":[\"" + new string('a', 2 * 1024 * 1024) + "\",", StringComparison.Ordinal);

        // Expect: 100-continue lets the silo refuse on the headers alone; without it a fast refusal races the upload.
        using var request = new HttpRequestMessage(HttpMethod.Put, VsPath) { Content = new StringContent(huge, Encoding.UTF8, "application/json") };
        request.Headers.ExpectContinue = true;
        using var response = await fixture.Silo.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("limit", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(before, await fixture.Silo.StoreRevisionAsync());
    }

    [Fact]
    public async Task OversizedChunkedBody_Gets413()
    {
        // Just over the 1 MiB limit, so the upload is in the socket buffers before the silo refuses it.
        var huge = Encoding.UTF8.GetBytes(Vs("reviews").Replace("\"hosts\":[", "\"hosts\":[\"" + new string('a', 1024 * 1024 + 1024) + "\",", StringComparison.Ordinal));
        using var content = new StreamContent(new MemoryStream(huge));
        content.Headers.ContentType = new("application/json");

        using var request = new HttpRequestMessage(HttpMethod.Put, VsPath) { Content = content };
        request.Headers.TransferEncodingChunked = true;
        using var response = await fixture.Silo.Admin.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Writes_WithoutToken401_ReadOnlyToken403_ReadsAllowed()
    {
        using var anonymous = fixture.Silo.CreateClient(token: null);
        using var reader = fixture.Silo.CreateClient(SiloProcess.ReadOnlyToken);
        using var wrong = fixture.Silo.CreateClient("not-a-token");

        using var noToken = await anonymous.PutAsync(VsPath, JsonContent.Create(TestResources.VirtualService("reviews", "reviews"), options: MeshJson.Options));
        using var readOnly = await reader.PutAsync(VsPath, JsonContent.Create(TestResources.VirtualService("reviews", "reviews"), options: MeshJson.Options));
        using var badToken = await wrong.DeleteAsync(VsPath);
        using var read = await reader.GetAsync(VsPath);

        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, readOnly.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, badToken.StatusCode);
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.DoesNotContain(SiloProcess.AdminToken, fixture.Silo.Process.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConditionalUpdate_WithCurrentVersion_Succeeds_AndBumpsVersion()
    {
        var current = (await fixture.Silo.Admin.GetFromJsonAsync<Contracts.Resources.MeshResource>(VsPath, MeshJson.Options))!;

        var updated = await fixture.Silo.Admin.PutResourceAsync(TestResources.VirtualService("reviews", "reviews", resourceVersion: current.Version));

        Assert.True(updated.Version > current.Version);
    }

    [Fact]
    public async Task OpenApiDocument_IsServed()
    {
        var document = await fixture.Silo.Admin.GetStringAsync("/openapi/v1.json");

        Assert.Contains("/api/v1/namespaces/{ns}/endpoints", document, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_ExposeSubscriberPushNackAndStoreWriteSeries()
    {
        await fixture.Silo.Admin.PutServiceAsync(TestResources.Service("metrics-probe"));

        var text = await fixture.Silo.Admin.GetStringAsync("/metrics");

        Assert.Contains("# TYPE mesh_silo_subscribers_connected gauge", text, StringComparison.Ordinal);
        Assert.Contains("# TYPE mesh_silo_store_write_duration_seconds histogram", text, StringComparison.Ordinal);
        Assert.Contains("mesh_silo_store_write_duration_seconds_bucket{le=\"+Inf\"}", text, StringComparison.Ordinal);
    }

    private static string Vs(string name, long? resourceVersion = null) =>
        "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"" + name + "\""
        + (resourceVersion is null ? "" : ",\"resourceVersion\":\"" + resourceVersion + "\"")
        + "},\"spec\":{\"hosts\":[\"reviews\"],\"http\":[{\"route\":[{\"destination\":{\"host\":\"reviews\"}}]}]}}";

    private static string Svc(string name) =>
        "{\"apiVersion\":\"mesh.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"" + name + "\"},\"spec\":{\"ports\":[{\"port\":80}]}}";

    private static string WeightedVs(int first, int second) =>
        "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\"},\"spec\":{\"hosts\":[\"reviews\"],\"http\":[{\"route\":["
        + "{\"destination\":{\"host\":\"reviews\",\"subset\":\"v1\"},\"weight\":" + first + "},"
        + "{\"destination\":{\"host\":\"reviews\",\"subset\":\"v2\"},\"weight\":" + second + "}]}]}}";
}
