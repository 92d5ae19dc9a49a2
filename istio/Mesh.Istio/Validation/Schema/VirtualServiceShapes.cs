using Mesh.Contracts.Istio.Networking;

namespace Mesh.Istio.Validation.Schema;

// Istio VirtualService fields the contracts model leaves out (the routing compiler does not read them yet). They exist
// so the schema walk can check their types and the validator their rules; nothing compiles them.

internal sealed record CorsPolicy
{
    public IReadOnlyList<string>? AllowOrigin { get; init; }
    public IReadOnlyList<StringMatch>? AllowOrigins { get; init; }
    public IReadOnlyList<string>? AllowMethods { get; init; }
    public IReadOnlyList<string>? AllowHeaders { get; init; }
    public IReadOnlyList<string>? ExposeHeaders { get; init; }
    public string? MaxAge { get; init; }
    public bool? AllowCredentials { get; init; }

    [IstioEnum("UNSPECIFIED", "FORWARD", "IGNORE")]
    public string? UnmatchedPreflights { get; init; }
}

internal sealed record HttpMirrorPolicy
{
    public Destination? Destination { get; init; }
    public Percent? Percentage { get; init; }
}

/// <summary>The parts of a VirtualService spec that only the Istio-only shapes carry, read for their rules.</summary>
internal sealed record VirtualServiceExtras
{
    public IReadOnlyList<HttpRouteExtras>? Http { get; init; }
}

internal sealed record HttpRouteExtras
{
    public CorsPolicy? CorsPolicy { get; init; }
    public IReadOnlyList<HttpMirrorPolicy>? Mirrors { get; init; }
    public HttpRetryExtras? Retries { get; init; }
    public FaultExtras? Fault { get; init; }
}

internal sealed record HttpRetryExtras
{
    public string? Backoff { get; init; }
}

internal sealed record FaultExtras
{
    public FaultDelayExtras? Delay { get; init; }
    public FaultAbortExtras? Abort { get; init; }
}

internal sealed record FaultDelayExtras
{
    public string? ExponentialDelay { get; init; }
}

internal sealed record FaultAbortExtras
{
    public string? GrpcStatus { get; init; }
    public string? Http2Error { get; init; }
}
