namespace Mesh.Telemetry;

/// <summary>Where an OTLP/HTTP exporter posts one signal, given the collector address a user configured.</summary>
public static class OtlpEndpoints
{
    /// <summary>
    /// A collector's base address (<c>http://collector:4318</c>) gets the signal's path (<c>/v1/traces</c>), as
    /// OTEL_EXPORTER_OTLP_ENDPOINT does; an address that already has a path is used as it is.
    /// </summary>
    public static Uri For(Uri collector, string signalPath) =>
        collector.AbsolutePath is "" or "/" ? new Uri(collector, signalPath) : collector;
}
