using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Health;

/// <summary>
/// Checks an outlier frame before it is stored. A sidecar only reports endpoints from configuration this silo sent
/// it, so an ejection of an endpoint the cache does not hold is a protocol error; a return is accepted for any name
/// because the endpoint may have been deleted since.
/// </summary>
internal static class OutlierFrameValidator
{
    public const int MaxNameLength = 253;
    public const int MaxReasonLength = 1024;

    /// <summary>Null when the frame is acceptable, otherwise what is wrong with it.</summary>
    public static string? Check(OutlierFrame frame, ResourceCache cache) => frame switch
    {
        { Namespace: null or "" } => "outlier.namespace is required",
        { Endpoint: null or "" } => "outlier.endpoint is required",
        { Namespace.Length: > MaxNameLength } => $"outlier.namespace is longer than {MaxNameLength} characters",
        { Endpoint.Length: > MaxNameLength } => $"outlier.endpoint is longer than {MaxNameLength} characters",
        { Reason.Length: > MaxReasonLength } => $"outlier.reason is longer than {MaxReasonLength} characters",
        { Ejected: true } when !cache.Contains(new ResourceKey(ResourceKinds.Endpoint, frame.Namespace, frame.Endpoint)) =>
            $"outlier.endpoint '{frame.Namespace}/{frame.Endpoint}' is not a registered endpoint",
        _ => null,
    };
}
