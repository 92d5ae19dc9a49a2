using Mesh.Contracts.Protocol.V1;
using Mesh.Grains.Traffic;
using Mesh.Silo.Traffic;

namespace Mesh.Tests.Silo.Traffic;

public sealed class TrafficReportsTests
{
    [Fact]
    public void ToSample_TcpEdge_KeyedAsTcpWithItsConnectionsAndBytes()
    {
        var edge = new TrafficEdge
        {
            Source = new Workload { Namespace = "default", Name = "edge-v1", App = "edge", Version = "v1", Gateway = true },
            Destination = new Workload { Namespace = "default", Name = "tcp-echo-v1", App = "tcp-echo", Version = "v1" },
            DestinationService = "tcp-echo.default.svc.cluster.local",
            MutualTls = true,
            Tcp = new TcpTraffic { ConnectionsOpened = 4, ConnectionsClosed = 3, ConnectionsFailed = 1, SentBytes = 32, ReceivedBytes = 20 },
        };

        var sample = TrafficReports.ToSample(edge);

        Assert.Equal((TrafficProtocols.Tcp, true, true), (sample.Key.Protocol, sample.Key.MutualTls, sample.Key.Source.Gateway));
        Assert.Equal((4L, 3L, 1L, 32L, 20L, 0L), (sample.TcpOpened, sample.TcpClosed, sample.TcpFailed, sample.TcpSentBytes, sample.TcpReceivedBytes, sample.Requests));
        Assert.Equal(TrafficProtocols.Http, TrafficReports.ToSample(new TrafficEdge { Requests = 1 }).Key.Protocol);
    }

    [Fact]
    public void Check_MoreFailedConnectionsThanOpened_NamesTheEdge()
    {
        var report = new TrafficReport { IntervalMillis = 1000 };
        report.Edges.Add(new TrafficEdge { Requests = 1 });
        report.Edges.Add(new TrafficEdge { Tcp = new TcpTraffic { ConnectionsOpened = 1, ConnectionsFailed = 2 } });

        Assert.Equal("traffic.edges[1].tcp counts more failed connections than opened ones", TrafficReports.Check(report));
        report.Edges[1].Tcp.ConnectionsOpened = 2;
        Assert.Null(TrafficReports.Check(report));
    }
}
