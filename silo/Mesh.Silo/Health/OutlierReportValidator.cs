using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Health;

/// <summary>A sidecar's passive-health observation as it arrived on its subscription stream.</summary>
internal sealed record OutlierObservation(string Namespace, string Endpoint, bool Ejected, string? Reason, DateTimeOffset? Until);

/// <summary>
/// Checks an outlier report before it is stored. A sidecar only reports endpoints from configuration this silo sent
/// it, so an ejection of an endpoint the cache does not hold is a protocol error; a return is accepted for any name
/// because the endpoint may have been deleted since.
/// </summary>
internal static class OutlierReportValidator
{
    public const int MaxNameLength = 253;
    public const int MaxReasonLength = 1024;

    /// <summary>Null when the report is acceptable, otherwise what is wrong with it.</summary>
    public static string? Check(OutlierObservation report, ResourceCache cache) => report switch
    {
        { Namespace: null or "" } => "outlier.namespace is required",
        { Endpoint: null or "" } => "outlier.endpoint is required",
        { Namespace.Length: > MaxNameLength } => $"outlier.namespace is longer than {MaxNameLength} characters",
        { Endpoint.Length: > MaxNameLength } => $"outlier.endpoint is longer than {MaxNameLength} characters",
        { Reason.Length: > MaxReasonLength } => $"outlier.reason is longer than {MaxReasonLength} characters",
        { Ejected: true } when !cache.Contains(new ResourceKey(ResourceKinds.Endpoint, report.Namespace, report.Endpoint)) =>
            $"outlier.endpoint '{report.Namespace}/{report.Endpoint}' is not a registered endpoint",
        _ => null,
    };
}
