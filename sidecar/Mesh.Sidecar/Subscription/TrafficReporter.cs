using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Telemetry;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Sends the silo a <see cref="TrafficReport"/> every <see cref="SidecarOptions.TrafficReportInterval"/> on the
/// subscription stream, empty ones included: the silo reads a silence as a stalled stream.
/// </summary>
internal sealed class TrafficReporter(SidecarOptions options, TrafficAggregator traffic, TimeProvider time)
{
    public bool Enabled => options.TrafficReportInterval > TimeSpan.Zero;

    /// <summary>Reports for one session until it is cancelled or a send fails.</summary>
    public async Task RunAsync(Func<SubscribeRequest, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var interval = options.TrafficReportInterval;
        using var timer = new PeriodicTimer(interval, time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            await send(new SubscribeRequest { Traffic = traffic.TakeReport(interval) }, cancellationToken);
        }
    }
}
