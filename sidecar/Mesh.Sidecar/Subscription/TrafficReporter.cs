using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Telemetry;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Sends the silo a <see cref="TrafficReport"/> every <see cref="SidecarOptions.TrafficReportInterval"/> on the
/// subscription stream, empty ones included: the silo reads a silence as a stalled stream. HTTP requests and TCP
/// connections travel in the same report.
/// </summary>
internal sealed class TrafficReporter(SidecarOptions options, TrafficAggregator traffic, TcpTrafficReader tcp, TimeProvider time)
{
    /// <summary>Reports stay well under the silo's request limit (Mesh:MaxClientFrameBytes, 64 KiB by default).</summary>
    internal const int MaxReportBytes = 48 * 1024;

    public bool Enabled => options.TrafficReportInterval > TimeSpan.Zero;

    /// <summary>Reports for one session until it is cancelled or a send fails.</summary>
    public async Task RunAsync(Func<SubscribeRequest, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var interval = options.TrafficReportInterval;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            var taken = traffic.TakeReport(interval);
            tcp.AddTo(taken);
            foreach (var report in Split(taken))
            {
                await send(new SubscribeRequest { Traffic = report }, cancellationToken);
            }
        }
    }

    /// <summary>A report too large for one request goes as several, each under <see cref="MaxReportBytes"/>.</summary>
    internal static IEnumerable<TrafficReport> Split(TrafficReport report)
    {
        if (report.CalculateSize() <= MaxReportBytes)
        {
            yield return report;
            yield break;
        }

        var part = new TrafficReport { IntervalMillis = report.IntervalMillis };
        var size = 0;
        foreach (var edge in report.Edges)
        {
            var edgeSize = edge.CalculateSize() + 8;
            if (size + edgeSize > MaxReportBytes && part.Edges.Count > 0)
            {
                yield return part;
                part = new TrafficReport { IntervalMillis = report.IntervalMillis };
                size = 0;
            }

            part.Edges.Add(edge);
            size += edgeSize;
        }

        yield return part;
    }
}
