using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mesh.Contracts.Domains;
using Mesh.Tests.Certificates;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Fuzz;

/// <summary>
/// Seeded fuzzing of every admin API write against one real silo on a real PostgreSQL database: valid bodies
/// mutated (wrong types, nulls, missing and extra fields, huge strings and lists, deep nesting, invalid UTF-8,
/// truncation), wrong content types and odd names in the path. Every answer must be 2xx or 4xx, a 4xx must be a JSON
/// error (a 400 naming the field), a 4xx must leave the store revision where it was, and the silo must stay healthy.
/// <c>MESH_FUZZ_ITERATIONS</c> and <c>MESH_FUZZ_SEED</c> make longer or different runs (scripts/fuzz-api.sh).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ApiFuzzTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private const int DefaultIterations = 1000;
    private const int DefaultSeed = 20261202;
    private const int MaxReported = 25;
    private const int MaxBodyChars = 1_200_000;
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        var database = await postgres.CreateDatabaseAsync("fuzz");
        _silo = await SiloProcess.StartAsync(database, "silo-fuzz", log: null, new Dictionary<string, string?>
        {
            ["Mesh__Ca__TrustDomain"] = "mesh.test",
            ["MESH_CA_KEK"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
        });
        await new CaClient(_silo).WaitForBundleAsync();
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await _silo.Admin.RegisterAsync(new EndpointRegistration { Service = "reviews", Address = "10.0.0.1", Port = 9080 });
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task AdminApiWrites_MutatedInput_Never5xx_4xxNameTheProblemAndWriteNothing()
    {
        var iterations = Setting("MESH_FUZZ_ITERATIONS", DefaultIterations);
        var seed = Setting("MESH_FUZZ_SEED", DefaultSeed);
        var ca = new CaClient(_silo);
        var targets = ApiFuzzTargets.All(CaClient.NewCsr(), (await ca.CreateTokenAsync()).Token);
        var run = new FuzzRun(_silo, seed);
        var clock = Stopwatch.StartNew();

        // The unmutated bodies must be accepted, or every mutation would only test the first check that refuses them.
        foreach (var target in targets.Where(t => t.Body is not null && t.Method != "DELETE" && !t.Path.Contains("/ca/roots", StringComparison.Ordinal)))
        {
            var valid = await run.SendAsync(-1, target, target.Path.Replace("{ns}", "default", StringComparison.Ordinal).Replace("{name}", target.Name, StringComparison.Ordinal),
                Encoding.UTF8.GetBytes(target.Body!), "application/json", "valid body");
            Assert.True(valid.Status < 300 || (valid.Status == 409 && target.Method == "POST"), $"valid body for {target.Method} {target.Path}: {valid.Status} {valid.Body}");
        }

        var random = new Random(seed);
        var mutator = new JsonMutator(random);
        var csrs = CsrVariants.Create(random);
        for (var i = 0; i < iterations; i++)
        {
            var target = targets[random.Next(targets.Count)];
            var (path, body, contentType, description) = Mutate(random, mutator, target, csrs);
            await run.SendAsync(i, target, path, body, contentType, description);
            if (i % 250 == 249)
            {
                await run.CheckHealthyAsync(i);
            }
        }

        await run.CheckHealthyAsync(iterations);

        output.WriteLine($"seed {seed}: {iterations} cases, {run.Requests} requests in {clock.Elapsed.TotalSeconds:F1} s; statuses {run.Statuses}");
        foreach (var line in run.StatusesByTarget)
        {
            output.WriteLine(line);
        }

        foreach (var failure in run.Failures.Take(MaxReported))
        {
            output.WriteLine(failure);
        }

        Assert.True(run.Failures.Count == 0, $"{run.Failures.Count} failures (seed {seed}); first: {run.Failures.FirstOrDefault()}\nsilo output tail:\n{Tail(_silo.Process.Output)}");

        // Whatever the accepted mutations stored must still read back and push: a poisoned row would break these.
        string[] lists = ["/api/v1/services", "/api/v1/endpoints", .. Contracts.Resources.ResourceKinds.ConfigKindGroups.Keys.Select(k => $"/api/v1/resources/{k}")];
        foreach (var list in lists)
        {
            using var response = await _silo.Admin.GetAsync(list);
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {list} after fuzzing: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }

        await using (var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new Contracts.Protocol.NodeInfo { Id = "fuzz-after", Namespace = "default" }))
        {
            await subscriber.WaitForAsync(s => s.Has(TestResources.ServiceKey("reviews")), TimeSpan.FromSeconds(30), "a snapshot after fuzzing");
        }
    }

    private static (string Path, byte[]? Body, string? ContentType, string Description) Mutate(
        Random random, JsonMutator mutator, ApiFuzzTarget target, IReadOnlyList<(string Description, string Pem)> csrs)
    {
        var changes = new List<string>();
        var ns = "default";
        var name = target.Name;
        if (random.Next(8) == 0)
        {
            ns = ApiFuzzTargets.OddSegments[random.Next(ApiFuzzTargets.OddSegments.Length)];
            changes.Add($"namespace '{Clip(ns)}'");
        }

        if (target.Path.Contains("{name}", StringComparison.Ordinal) && random.Next(4) == 0)
        {
            name = ApiFuzzTargets.OddSegments[random.Next(ApiFuzzTargets.OddSegments.Length)];
            changes.Add($"name '{Clip(name)}'");
        }

        var path = target.Path.Replace("{ns}", ns, StringComparison.Ordinal).Replace("{name}", name, StringComparison.Ordinal);
        if (path.EndsWith("?resourceVersion=1", StringComparison.Ordinal) && random.Next(3) == 0)
        {
            string[] versions = ["", "abc", "-1", "0", "99999999999999999999", "1.5", "%00", "1&resourceVersion=2", "0x10", "%20"];
            var version = versions[random.Next(versions.Length)];
            path = path[..^1] + version;
            changes.Add($"resourceVersion '{version}'");
        }

        if (target.Body is null)
        {
            return (path, null, null, changes.Count == 0 ? "as is" : string.Join("; ", changes));
        }

        var root = JsonNode.Parse(target.Body);
        var mutations = random.Next(1, 4);
        if (root is JsonObject request && request.ContainsKey("csr") && random.Next(2) == 0)
        {
            var (what, pem) = csrs[random.Next(csrs.Count)];
            request["csr"] = pem;
            changes.Add($"csr: {what}");
            mutations--;
        }

        var json = root?.ToJsonString() ?? "null";
        for (var n = mutations; n > 0; n--)
        {
            changes.Add(mutator.Mutate(ref root));
            json = root?.ToJsonString() ?? "null";
            if (json.Length > MaxBodyChars)
            {
                // Past the silo's limit anyway (that answer is a 413); more mutations would only grow it.
                break;
            }
        }

        var body = Encoding.UTF8.GetBytes(json);
        if (random.Next(5) == 0)
        {
            (body, var damage) = mutator.Damage(body);
            changes.Add(damage);
        }

        string?[] contentTypes = ["text/plain", "application/xml", null, "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=utf-16", "application/jsonx"];
        var contentType = "application/json";
        if (random.Next(12) == 0)
        {
            contentType = contentTypes[random.Next(contentTypes.Length)];
            changes.Add($"content type '{contentType ?? "(none)"}'");
        }

        return (path, body, contentType, string.Join("; ", changes));
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;

    private static string Clip(string text) => text.Length <= 40 ? text : $"{text[..40]}… ({text.Length})";

    private static string Tail(string text) => text.Length <= 12_000 ? text : text[^12_000..];

    /// <summary>Sends cases, checks each answer and the revision around it, and keeps what went wrong.</summary>
    private sealed class FuzzRun(SiloProcess silo, int seed)
    {
        private readonly HttpClient _client = silo.CreateClient(token: null);
        private readonly Dictionary<int, int> _statuses = [];
        private readonly SortedDictionary<string, Dictionary<int, int>> _byTarget = new(StringComparer.Ordinal);
        private long? _revision;

        public List<string> Failures { get; } = [];

        public int Requests { get; private set; }

        public string Statuses => Tally(_statuses);

        public IEnumerable<string> StatusesByTarget => _byTarget.Select(t => $"  {t.Key}: {Tally(t.Value)}");

        private static string Tally(Dictionary<int, int> statuses) => string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"));

        public async Task<(int Status, string Body)> SendAsync(int iteration, ApiFuzzTarget target, string path, byte[]? body, string? contentType, string description)
        {
            _revision ??= await silo.StoreRevisionAsync();
            using var request = new HttpRequestMessage(new HttpMethod(target.Method), path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", target.Bearer ?? SiloProcess.AdminToken);
            if (body is not null)
            {
                request.Content = new ByteArrayContent(body);

                // A body over the limit is refused on its headers (413); without 100-continue that races the upload.
                request.Headers.ExpectContinue = body.Length > 64 * 1024;
                if (contentType is not null)
                {
                    request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
                }
            }

            int status;
            string text;
            try
            {
                using var response = await _client.SendAsync(request);
                status = (int)response.StatusCode;
                text = await response.Content.ReadAsStringAsync();
            }
            catch (HttpRequestException ex)
            {
                Fail(iteration, target, path, description, body, $"no answer: {ex.Message}");
                return (0, "");
            }

            Requests++;
            _statuses[status] = _statuses.GetValueOrDefault(status) + 1;
            var perTarget = _byTarget.TryGetValue($"{target.Method} {target.Path}", out var tally) ? tally : _byTarget[$"{target.Method} {target.Path}"] = [];
            perTarget[status] = perTarget.GetValueOrDefault(status) + 1;
            // Kestrel itself answers, with an empty body and before any application code runs, a NUL in the request
            // target (400) and a request line over its 8 KB limit (414).
            var byKestrel = text.Length == 0 && (status == 414 || (status == 400 && path.Contains("%00", StringComparison.Ordinal)));
            var problem = byKestrel ? null : Judge(status, text);
            var revision = await silo.StoreRevisionAsync();
            Requests++;
            if (status >= 400 && revision != _revision)
            {
                problem ??= $"the store revision moved from {_revision} to {revision} on a {status}";
            }

            _revision = revision;
            if (problem is not null)
            {
                Fail(iteration, target, path, description, body, $"{status} {problem}: {Clip(text)}");
            }

            return (status, text);
        }

        public async Task CheckHealthyAsync(int iteration)
        {
            Requests += 2;
            using var healthz = await _client.GetAsync("/healthz");
            using var readyz = await _client.GetAsync("/readyz");
            if (silo.Process.HasExited || healthz.StatusCode != HttpStatusCode.OK || readyz.StatusCode != HttpStatusCode.OK)
            {
                Failures.Add($"#{iteration}: silo unhealthy (exited {silo.Process.HasExited}, healthz {(int)healthz.StatusCode}, readyz {(int)readyz.StatusCode})");
            }
        }

        private static string? Judge(int status, string text)
        {
            if (status >= 500)
            {
                return "server error";
            }

            if (status < 400)
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(text);
                var root = document.RootElement;
                if (!root.TryGetProperty("error", out var error) || error.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(error.GetString()))
                {
                    return "no error message";
                }

                var named = root.TryGetProperty("field", out var field) && field.ValueKind == JsonValueKind.String
                    || root.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Array && errors.GetArrayLength() > 0;
                return status == 400 && !named ? "a 400 that names no field" : null;
            }
            catch (JsonException)
            {
                return "the error is not JSON";
            }
        }

        private void Fail(int iteration, ApiFuzzTarget target, string path, string description, byte[]? body, string what)
        {
            var shown = body is null ? "" : Clip(Encoding.UTF8.GetString(body, 0, Math.Min(body.Length, 400)));
            Failures.Add($"#{iteration} (seed {seed}) {target.Method} {Clip(path)} [{description}] -> {what}\n    body: {shown}");
        }

        private static string Clip(string text) => text.Length <= 400 ? text : text[..400] + "…";
    }
}
