using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.Telemetry;

namespace Mesh.Tests.Sidecar.Telemetry;

public sealed class TcpTrafficReaderTests
{
    private static readonly PeerWorkload Client = new("default", "client-v1", "client", "v1", false);

    [Fact]
    public void AddTo_SendsWhatTheTcpCountersGrewByPerEdge_FailedConnectionsApart()
    {
        var metrics = new IstioMetrics();
        var reader = new TcpTrafficReader(metrics);
        var ok = metrics.Tcp(Key(ResponseFlags.None));
        Interlocked.Add(ref ok.Opened, 3);
        Interlocked.Add(ref ok.Closed, 2);
        Interlocked.Add(ref ok.ReceivedBytes, 300);
        Interlocked.Add(ref ok.SentBytes, 1200);
        // A connection no endpoint took: the same edge, counted as failed.
        var refused = metrics.Tcp(Key(ResponseFlags.NoHealthyUpstream));
        Interlocked.Increment(ref refused.Opened);
        Interlocked.Increment(ref refused.Closed);

        var first = new TrafficReport();
        reader.AddTo(first);

        var edge = Assert.Single(first.Edges);
        Assert.Equal(("client-v1", "tcp-echo-v1", "tcp-echo.default.svc.cluster.local", true, 0ul), (edge.Source.Name, edge.Destination.Name, edge.DestinationService, edge.MutualTls, edge.Requests));
        Assert.Equal((4ul, 3ul, 1ul, 1200ul, 300ul), (edge.Tcp.ConnectionsOpened, edge.Tcp.ConnectionsClosed, edge.Tcp.ConnectionsFailed, edge.Tcp.SentBytes, edge.Tcp.ReceivedBytes));

        // Nothing moved: nothing sent. A still-open connection's bytes: only they are sent.
        var second = new TrafficReport();
        reader.AddTo(second);
        Assert.Empty(second.Edges);
        Interlocked.Add(ref ok.SentBytes, 50);
        var third = new TrafficReport();
        reader.AddTo(third);
        var grown = Assert.Single(third.Edges).Tcp;
        Assert.Equal((0ul, 0ul, 50ul), (grown.ConnectionsOpened, grown.ConnectionsFailed, grown.SentBytes));
    }

    private static IstioMetrics.SeriesKey Key(string flags) => new(
        Inbound: false, Source: Client, SourcePrincipal: "spiffe://cluster.local/ns/default/sa/client", DestinationService: "tcp-echo.default.svc.cluster.local",
        DestinationServiceName: "tcp-echo", DestinationNamespace: "default", DestinationVersion: "v1", DestinationWorkload: "tcp-echo-v1", DestinationApp: "tcp-echo",
        DestinationPrincipal: "unknown", RequestProtocol: "tcp", ResponseCode: 0, ResponseFlags: flags, MutualTls: true);
}
