using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.LoadBalancing;
using Mesh.Sidecar.Proxy;
using Mesh.Sidecar.Security;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Every <see cref="Interval"/>, fetches the metrics page of each endpoint of every cluster that picks with
/// <see cref="InferenceEndpointPicker"/>, and stores the load it reports on the endpoint. Each sidecar scrapes for
/// itself: no shared state, and a server that stops answering simply goes stale (the picker then falls back to the
/// requests in flight).
/// </summary>
internal sealed partial class ModelServerScraper(
    ProxyConfigHolder holder,
    UpstreamClient upstream,
    MeshTlsConnector mtls,
    TimeProvider time,
    ILogger<ModelServerScraper> logger) : BackgroundService
{
    // 100 ms rather than 200: independent sidecars see a burst only through these pages and their own sends, and the
    // fresher page closed the median gap between the picker's TTFT p90 and a central picker's on bench/ai (docs/benchmarks.md).
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ScrapeTimeout = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            // Subsets of one service share servers: fetch each page once per tick and give every subset its reading.
            var targets = new Dictionary<string, (ClusterRuntime Cluster, EndpointRuntime Endpoint, List<EndpointState> States)>(StringComparer.Ordinal);
            foreach (var cluster in holder.Current.Clusters.Values)
            {
                if (cluster.Config.LoadBalancer is { Algorithm: LoadBalancerAlgorithm.InferencePicker, Inference: { } inference })
                {
                    foreach (var endpoint in cluster.Endpoints)
                    {
                        var url = endpoint.DestinationPrefix + inference.MetricsPath;
                        if (!targets.TryGetValue(url, out var target))
                        {
                            targets[url] = target = (cluster, endpoint, []);
                        }

                        target.States.Add(endpoint.State);
                    }
                }
            }

            var scrapes = targets.Select(t => ScrapeAsync(t.Value.Cluster, t.Value.Endpoint, t.Key, t.Value.States, stoppingToken));
            await Task.WhenAll(scrapes);
        }
    }

    private async Task ScrapeAsync(ClusterRuntime cluster, EndpointRuntime endpoint, string url, List<EndpointState> states, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(ScrapeTimeout);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            if (endpoint.Config.Identity is { } identity)
            {
                request.Options.Set(MeshTlsConnector.ExpectedIdentity, identity);
            }

            var invoker = mtls.Applies(cluster, endpoint) ? mtls.Invoker : upstream.Invoker;
            using var response = await invoker.SendAsync(request, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                return;
            }

            var text = await response.Content.ReadAsStringAsync(timeout.Token);
            if (ModelServerMetrics.Parse(text, time.GetUtcNow().UtcTicks) is { } load)
            {
                foreach (var state in states)
                {
                    state.SlotsSeen = Math.Max(state.SlotsSeen, load.Running);
                    state.ScrapedLoad = load with { InFlightAtScrape = Volatile.Read(ref state.ActiveRequests) };
                }
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            if (!cancellationToken.IsCancellationRequested)
            {
                LogScrapeFailed(logger, url, ex.Message);
            }
        }
    }

    [LoggerMessage(EventId = 90, Level = LogLevel.Debug, Message = "Model server metrics at {Url} could not be read: {Reason}")]
    private static partial void LogScrapeFailed(ILogger logger, string url, string reason);
}
