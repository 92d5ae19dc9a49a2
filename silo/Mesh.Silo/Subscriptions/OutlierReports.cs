using Mesh.Contracts.Protocol.V1;
using Mesh.Silo.Health;

namespace Mesh.Silo.Subscriptions;

/// <summary>Maps the wire's outlier report to what <see cref="OutlierReportWriter"/> stores.</summary>
internal static class OutlierReports
{
    /// <summary>The observation; an invalid timestamp is a protocol violation.</summary>
    public static OutlierObservation FromWire(OutlierReport report) => new(
        report.Namespace,
        report.Endpoint,
        report.Ejected,
        report.Ejected && report.Reason is { Length: > 0 } reason ? reason : null,
        report.Ejected && report.Until is { } until ? Time(until) : null);

    private static DateTimeOffset Time(Google.Protobuf.WellKnownTypes.Timestamp until)
    {
        try
        {
            return until.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw DiscoveryService.Invalid("outlier.until is not a valid timestamp");
        }
    }
}
