using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.Observability;

/// <summary>
/// A real Prometheus scrapes real sidecars under traffic and evaluates queries taken from Istio's Grafana dashboards
/// (mesh, service and workload dashboards) and Kiali's graph: Istio's labels and values must be there for them to
/// return data.
/// </summary>
public sealed class IstioMetricsPrometheusTests(ITestOutputHelper output)
{
    [Fact]
    public async Task IstioDashboardQueries_OnScrapedSidecars_ReturnTheMeshsTraffic()
    {
        await using var bed = await MeshTestBed.StartAsync(output);
        var mesh = await ObservedMesh.StartAsync(bed);
        await using var prometheus = await PrometheusServer.StartAsync(new Dictionary<string, int>
        {
            ["frontend"] = mesh.Frontend.AdminPort,
            ["backend-v1"] = mesh.BackendV1.AdminPort,
            ["backend-v2"] = mesh.BackendV2.AdminPort,
            ["legacy"] = mesh.Legacy.AdminPort,
        }, output);
        await Poll.UntilTrueAsync(async () => (await prometheus.QueryAsync("sum(up)")).FirstOrDefault().Value == 4, TimeSpan.FromSeconds(20),
            () => "prometheus never scraped all four sidecars");

        // Rates need several scrapes of moving counters: bounded traffic over a few seconds, checked as it goes.
        var queries = IstioDashboardQueries();
        var missing = queries.Keys.ToList();
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        while (missing.Count > 0 && DateTimeOffset.UtcNow < deadline)
        {
            await mesh.SendAsync("http://backend:9080/", 20);
            await mesh.SendAsync("http://legacy:9080/", 5);
            foreach (var name in missing.ToList())
            {
                var (query, check) = queries[name];
                if (check(await prometheus.QueryAsync(query)))
                {
                    missing.Remove(name);
                }
            }
        }

        Assert.True(missing.Count == 0, "queries without the expected data: " + string.Join("; ", missing.Select(m => $"{m}: {queries[m].Query}")));
        // Kiali draws an edge per source_workload: with metadata exchange no mesh request comes from "unknown".
        var unknown = await prometheus.QueryAsync("sum(istio_requests_total{reporter=\"destination\",source_workload=\"unknown\"})");
        Assert.True(unknown.Count == 0 || unknown[0].Value == 0, "destination-reported requests from source_workload=\"unknown\"");
    }

    private static Dictionary<string, (string Query, Func<List<(Dictionary<string, string> Labels, double Value)>, bool> Check)> IstioDashboardQueries() => new()
    {
        // istio-mesh-dashboard: global request volume and success rate.
        ["global request volume"] = ("round(sum(irate(istio_requests_total{reporter=\"source\"}[1m])), 0.001)", r => r.Count == 1 && r[0].Value > 0),
        ["global success rate"] = ("sum(rate(istio_requests_total{reporter=\"source\", response_code!~\"5.*\"}[1m])) / sum(rate(istio_requests_total{reporter=\"source\"}[1m]))",
            r => r.Count == 1 && r[0].Value is > 0.8 and < 1),
        // istio-service-dashboard: incoming requests by source and security, latency, sizes.
        ["service: mTLS requests by source"] = ("sum(irate(istio_requests_total{reporter=\"destination\",connection_security_policy=\"mutual_tls\",destination_service=~\"backend.default.svc.cluster.local\"}[1m])) by (source_workload, source_workload_namespace)",
            r => r.Any(s => s.Labels.GetValueOrDefault("source_workload") == "frontend" && s.Labels.GetValueOrDefault("source_workload_namespace") == "default" && s.Value > 0)),
        ["service: plaintext requests by source"] = ("sum(irate(istio_requests_total{reporter=\"destination\",connection_security_policy!=\"mutual_tls\",destination_service=~\"legacy.default.svc.cluster.local\"}[1m])) by (source_workload, source_workload_namespace)",
            r => r.Any(s => s.Labels.GetValueOrDefault("source_workload") == "frontend" && s.Value > 0)),
        ["service: p99 latency"] = ("histogram_quantile(0.99, sum(irate(istio_request_duration_milliseconds_bucket{reporter=\"destination\",destination_service=~\"backend.default.svc.cluster.local\"}[1m])) by (le))",
            r => r.Count == 1 && r[0].Value >= 50),
        ["service: request size"] = ("histogram_quantile(0.50, sum(irate(istio_request_bytes_bucket{reporter=\"destination\",destination_service=~\"backend.default.svc.cluster.local\"}[1m])) by (le))",
            r => r.Count == 1 && !double.IsNaN(r[0].Value)),
        // istio-workload-dashboard: the workload's identity and its callers' principals.
        ["workload: requests to a SPIFFE principal"] = ("sum(istio_requests_total{reporter=\"destination\",destination_workload_namespace=\"default\",destination_workload=\"backend-v1\",destination_principal=~\"spiffe.*\"})",
            r => r.Count == 1 && r[0].Value > 0),
        ["workload: callers by principal"] = ("sum(irate(istio_requests_total{reporter=\"destination\",destination_workload=\"backend-v2\",source_principal=~\"spiffe.*\"}[1m])) by (source_principal)",
            r => r.Any(s => s.Labels.GetValueOrDefault("source_principal") == "spiffe://cluster.local/ns/default/sa/frontend")),
        ["workload: outbound 5xx by destination"] = ("sum(irate(istio_requests_total{reporter=\"source\",source_workload=\"frontend\",response_code=~\"5.*\"}[1m])) by (destination_workload, destination_app, destination_version)",
            r => r.Any(s => s.Labels.GetValueOrDefault("destination_workload") == "backend-v2" && s.Labels.GetValueOrDefault("destination_app") == "backend" && s.Labels.GetValueOrDefault("destination_version") == "v2")),
        // Kiali's versioned-app graph query.
        ["kiali graph"] = ("sum(rate(istio_requests_total{reporter=\"destination\",source_workload_namespace=\"default\"}[1m])) by (source_workload,source_app,source_version,destination_service_name,destination_workload,destination_app,destination_version,response_code,response_flags,request_protocol)",
            r => r.Any(s => s.Labels.GetValueOrDefault("source_app") == "frontend" && s.Labels.GetValueOrDefault("destination_app") == "legacy")),
    };
}
