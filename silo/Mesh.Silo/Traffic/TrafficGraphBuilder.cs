using Mesh.Contracts.Traffic;
using Mesh.Grains.Traffic;

namespace Mesh.Silo.Traffic;

/// <summary>
/// Turns a window of per-side samples into the service graph. Both sidecars of a hop report it; each number comes
/// from the side that knows it best: rate, errors, latency and routes from the caller's side (it also sees requests
/// that never reached a destination), transport security and denials from the destination's side. A hop reported
/// by one side only (a caller outside the mesh, a destination without a sidecar) uses that side for everything.
/// </summary>
internal static class TrafficGraphBuilder
{
    public const string UnknownNode = "unknown";
    private const string ExternalPrefix = "external:";

    /// <param name="external">Hosts of MESH_EXTERNAL ServiceEntries: calls to them end at an <c>external</c> node named by the host.</param>
    public static TrafficGraph Build(IReadOnlyList<TrafficSample> samples, int windowSeconds, string? ns, DateTimeOffset now, ExternalHosts? external = null)
    {
        external ??= ExternalHosts.None;
        var nodes = new Dictionary<string, NodeInfo>(StringComparer.Ordinal);
        var edges = new List<TrafficEdgeView>();
        var incoming = new Dictionary<string, List<Received>>(StringComparer.Ordinal);
        foreach (var hop in samples.GroupBy(s => (Source: SourceId(s.Key), Target: TargetId(s.Key, external), s.Key.DestinationService, s.Key.Protocol)))
        {
            var sourceSide = Side.Of(hop.Where(s => !s.Key.Inbound));
            var destinationSide = Side.Of(hop.Where(s => s.Key.Inbound));
            var primary = sourceSide.Sum.Units > 0 ? sourceSide : destinationSide;
            if (primary.Sum.Units == 0)
            {
                continue;
            }

            var first = hop.First().Key;
            if (ns is not null && first.Source.Namespace != ns && first.Destination.Namespace != ns)
            {
                continue;
            }

            AddNode(nodes, hop.Key.Source, first.Source, SourceKind(first.Source));
            AddNode(nodes, hop.Key.Target, first.Destination, TargetKind(first, hop.Key.Target), first.DestinationService);
            var denied = destinationSide.Sum.Requests > 0 ? destinationSide.Sum.Denied : primary.Sum.Denied;
            // The caller saw the destination's denials as 403s: they are denials, not client errors.
            var received = new Received(primary.Sum, denied, primary == sourceSide ? denied : 0,
                destinationSide.Sum.Units > 0 ? destinationSide.MtlsShare : primary.MtlsShare);
            var edge = new TrafficEdgeView
            {
                Source = hop.Key.Source,
                Target = hop.Key.Target,
                DestinationService = hop.Key.DestinationService,
                Protocol = hop.Key.Protocol,
                // A TCP route carries connections, not requests: its split is not a request rate.
                Routes = hop.Key.Protocol == TrafficProtocols.Tcp ? [] : sourceSide.Samples
                    .GroupBy(s => (s.Key.Route, s.Key.Subset))
                    .Select(g => new TrafficRouteView { Route = g.Key.Route, Subset = g.Key.Subset, RequestsPerSecond = Round((double)g.Sum(s => s.Requests) / windowSeconds) })
                    .OrderByDescending(r => r.RequestsPerSecond).ThenBy(r => r.Route, StringComparer.Ordinal).ToList(),
            };
            edges.Add(WithRates(edge, received, windowSeconds));
            if (!incoming.TryGetValue(hop.Key.Target, out var list))
            {
                incoming[hop.Key.Target] = list = [];
            }

            list.Add(received);
        }

        return new TrafficGraph
        {
            WindowSeconds = windowSeconds,
            GeneratedAt = now,
            Nodes = nodes.Values.Select(n => NodeView(n, incoming.GetValueOrDefault(n.Id), windowSeconds)).OrderBy(n => n.Id, StringComparer.Ordinal).ToList(),
            Edges = edges.OrderBy(e => e.Source, StringComparer.Ordinal).ThenBy(e => e.Target, StringComparer.Ordinal).ThenBy(e => e.Protocol, StringComparer.Ordinal).ToList(),
        };
    }

    /// <summary>Kiali's defaults: 5xx ≥ 10 % failing; 4xx ≥ 20 % failing, ≥ 10 % degraded.</summary>
    public static string Health(long requests, double errorRate, double clientErrorRate) =>
        requests == 0 ? "idle"
        : errorRate >= 0.10 || clientErrorRate >= 0.20 ? "failing"
        : clientErrorRate >= 0.10 ? "degraded"
        : "healthy";

    private static TrafficNode NodeView(NodeInfo node, List<Received>? received, int windowSeconds)
    {
        var view = new TrafficNode
        {
            Id = node.Id,
            Namespace = node.Workload.Namespace,
            Workload = node.Workload.Name,
            App = node.Workload.App,
            Version = node.Workload.Version,
            Kind = node.Kind,
        };
        if (received is null)
        {
            return view;
        }

        var total = new TrafficSample { Key = received[0].Sum.Key };
        double mtlsUnits = 0;
        long denied = 0, deniedAsClientErrors = 0;
        foreach (var edge in received)
        {
            total.Add(edge.Sum);
            mtlsUnits += (edge.MtlsShare ?? 0) * edge.Sum.Units;
            denied += edge.Denied;
            deniedAsClientErrors += edge.DeniedInClientErrors;
        }

        return WithRates(view, new Received(total, denied, deniedAsClientErrors, mtlsUnits / total.Units), windowSeconds);
    }

    /// <summary>Fills in the rates of a node or edge from the requests it received.</summary>
    private static T WithRates<T>(T view, Received received, int windowSeconds)
        where T : TrafficRates
    {
        var (sum, denied, deniedInClientErrors, mtlsShare) = received;
        double requests = sum.Requests;
        // Requests decide the error rates and health when there are any; connections only for TCP alone.
        var httpErrors = sum.Requests > 0;
        var errorRate = Round(httpErrors ? sum.ServerErrors / requests : (double)sum.TcpFailed / sum.TcpOpened);
        var clientErrorRate = Round(Math.Max(0, sum.ClientErrors - deniedInClientErrors) / requests);
        var counts = sum.LatencyBuckets;
        return (T)(view with
        {
            RequestsPerSecond = Round(requests / windowSeconds),
            ErrorRate = errorRate,
            ClientErrorRate = clientErrorRate,
            DeniedPerSecond = Round((double)denied / windowSeconds),
            P50Ms = Round(TrafficLatency.Quantile(counts, 0.50)),
            P95Ms = Round(TrafficLatency.Quantile(counts, 0.95)),
            P99Ms = Round(TrafficLatency.Quantile(counts, 0.99)),
            MtlsShare = Round(mtlsShare),
            ConnectionsPerSecond = Round((double)sum.TcpOpened / windowSeconds),
            SentBytesPerSecond = Round((double)sum.TcpSentBytes / windowSeconds),
            ReceivedBytesPerSecond = Round((double)sum.TcpReceivedBytes / windowSeconds),
            Health = httpErrors ? Health(sum.Requests, errorRate, clientErrorRate) : Health(sum.TcpOpened, errorRate, 0),
        });
    }

    private static string SourceId(TrafficEdgeKey key) =>
        key.Source.Name == UnknownNode ? UnknownNode : $"{key.Source.Namespace}/{key.Source.Name}";

    /// <summary>
    /// An external ServiceEntry host is drawn as itself (whatever the endpoint's labels made of its workload name); a
    /// destination without a known workload is drawn as its service, so failed calls still have a target.
    /// </summary>
    private static string TargetId(TrafficEdgeKey key, ExternalHosts external) =>
        external.Contains(key.DestinationService) ? $"{ExternalPrefix}{key.DestinationService}"
        : key.Destination.Name == UnknownNode ? $"service:{key.DestinationService}"
        : $"{key.Destination.Namespace}/{key.Destination.Name}";

    private static string SourceKind(TrafficWorkload source) =>
        source.Name == UnknownNode ? "unknown" : source.Gateway ? "gateway" : "workload";

    private static string TargetKind(TrafficEdgeKey key, string targetId) =>
        targetId.StartsWith(ExternalPrefix, StringComparison.Ordinal) ? "external"
        : key.Destination.Name == UnknownNode ? "service" : key.Destination.Gateway ? "gateway" : "workload";

    private static void AddNode(Dictionary<string, NodeInfo> nodes, string id, TrafficWorkload workload, string kind, string? service = null)
    {
        if (nodes.TryGetValue(id, out var existing))
        {
            // A workload seen as a gateway from any side is a gateway.
            if (kind == "gateway" && existing.Kind != "gateway")
            {
                nodes[id] = existing with { Kind = kind };
            }

            return;
        }

        nodes[id] = kind switch
        {
            "service" => new NodeInfo(id, new TrafficWorkload(workload.Namespace, service ?? id, "unknown", "unknown", false), kind),
            // Labelled by its host alone: the app and version a sidecar derived for it name nothing real.
            "external" => new NodeInfo(id, new TrafficWorkload(workload.Namespace, service ?? id, "", "", false), kind),
            _ => new NodeInfo(id, workload, kind),
        };
    }

    private static double Round(double value) => double.IsFinite(value) ? Math.Round(value, 4) : 0;

    private static double? Round(double? value) => value is { } v ? Round(v) : null;

    private sealed record NodeInfo(string Id, TrafficWorkload Workload, string Kind);

    /// <summary>One edge into a node: its requests, its denials, how many of those the caller counted as 4xx, its mTLS share.</summary>
    private sealed record Received(TrafficSample Sum, long Denied, long DeniedInClientErrors, double? MtlsShare);

    /// <summary>The samples of one side of a hop and their sum.</summary>
    private sealed class Side
    {
        private Side(List<TrafficSample> samples, TrafficSample sum, double? mtlsShare)
        {
            Samples = samples;
            Sum = sum;
            MtlsShare = mtlsShare;
        }

        public List<TrafficSample> Samples { get; }
        public TrafficSample Sum { get; }

        /// <summary>Share of this side's requests (or connections) over mutual TLS; null when it has none.</summary>
        public double? MtlsShare { get; }

        public static Side Of(IEnumerable<TrafficSample> samples)
        {
            var list = samples.ToList();
            var sum = new TrafficSample { Key = list.Count > 0 ? list[0].Key : Empty };
            long mtls = 0;
            foreach (var sample in list)
            {
                sum.Add(sample);
                mtls += sample.Key.MutualTls ? sample.Units : 0;
            }

            return new Side(list, sum, sum.Units > 0 ? (double)mtls / sum.Units : null);
        }

        private static readonly TrafficEdgeKey Empty = new(false, new("", "", "", "", false), new("", "", "", "", false), "", "", "", false);
    }
}
