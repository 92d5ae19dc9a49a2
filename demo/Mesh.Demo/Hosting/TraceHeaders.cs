namespace Mesh.Demo.Hosting;

/// <summary>
/// Headers an app must copy from its inbound request to the calls it makes, so that the sidecars can join the hops
/// into one trace and header-based routing (A/B groups, end users) sees the caller's values, as Istio documents.
/// </summary>
internal static class TraceHeaders
{
    private static readonly string[] Propagated =
    [
        "traceparent", "tracestate", "x-request-id", "x-b3-traceid", "x-b3-spanid", "x-b3-parentspanid", "x-b3-sampled",
        "end-user", "x-user-group",
    ];

    public static HttpRequestMessage CopyFrom(this HttpRequestMessage call, HttpRequest inbound)
    {
        foreach (var name in Propagated)
        {
            if (inbound.Headers.TryGetValue(name, out var value))
            {
                call.Headers.TryAddWithoutValidation(name, value.ToString());
            }
        }

        return call;
    }
}
