using System.Text.Json.Serialization;

namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>networking.istio.io VirtualService</c> spec: HTTP, TCP and TLS (SNI) routes.</summary>
public sealed record VirtualServiceSpec
{
    public IReadOnlyList<string>? Hosts { get; init; }
    public IReadOnlyList<string>? Gateways { get; init; }
    public IReadOnlyList<HttpRoute>? Http { get; init; }
    public IReadOnlyList<TcpRoute>? Tcp { get; init; }
    public IReadOnlyList<TlsRoute>? Tls { get; init; }
    public IReadOnlyList<string>? ExportTo { get; init; }
}

/// <summary>Routes opaque TCP connections; the first route whose match fits the connection wins.</summary>
public sealed record TcpRoute
{
    public IReadOnlyList<L4MatchAttributes>? Match { get; init; }
    public IReadOnlyList<RouteDestination>? Route { get; init; }
}

/// <summary>Routes TLS connections by the SNI of their ClientHello, without terminating them (passthrough).</summary>
public sealed record TlsRoute
{
    public IReadOnlyList<TlsMatchAttributes>? Match { get; init; }
    public IReadOnlyList<RouteDestination>? Route { get; init; }
}

public sealed record L4MatchAttributes
{
    public IReadOnlyList<string>? DestinationSubnets { get; init; }
    public int? Port { get; init; }
    public string? SourceSubnet { get; init; }
    public IReadOnlyDictionary<string, string>? SourceLabels { get; init; }
    public IReadOnlyList<string>? Gateways { get; init; }
    public string? SourceNamespace { get; init; }
}

public sealed record TlsMatchAttributes
{
    public IReadOnlyList<string>? SniHosts { get; init; }
    public IReadOnlyList<string>? DestinationSubnets { get; init; }
    public int? Port { get; init; }
    public IReadOnlyDictionary<string, string>? SourceLabels { get; init; }
    public IReadOnlyList<string>? Gateways { get; init; }
    public string? SourceNamespace { get; init; }
}

/// <summary>A TCP or TLS route's destination and its share of connections.</summary>
public sealed record RouteDestination
{
    public Destination? Destination { get; init; }
    public int? Weight { get; init; }
}

public sealed record HttpRoute
{
    public string? Name { get; init; }
    public IReadOnlyList<HttpMatchRequest>? Match { get; init; }
    public IReadOnlyList<HttpRouteDestination>? Route { get; init; }
    public HttpRedirect? Redirect { get; init; }
    public HttpDirectResponse? DirectResponse { get; init; }
    public HttpRewrite? Rewrite { get; init; }

    /// <summary>Duration in Istio's format, e.g. <c>10s</c>, <c>250ms</c>.</summary>
    public string? Timeout { get; init; }
    public HttpRetry? Retries { get; init; }
    public HttpFaultInjection? Fault { get; init; }
    public Destination? Mirror { get; init; }
    public Percent? MirrorPercentage { get; init; }

    /// <summary>Deprecated integer form of <see cref="MirrorPercentage"/>.</summary>
    public int? MirrorPercent { get; init; }
    public Headers? Headers { get; init; }

    /// <summary>Hands matching requests to the http routes of a VirtualService without hosts (one level deep).</summary>
    public DelegateReference? Delegate { get; init; }
}

/// <summary>The delegate VirtualService a root route names; the namespace defaults to the root's.</summary>
public sealed record DelegateReference
{
    public string? Name { get; init; }
    public string? Namespace { get; init; }
}

public sealed record HttpMatchRequest
{
    public string? Name { get; init; }
    public StringMatch? Uri { get; init; }
    public StringMatch? Scheme { get; init; }
    public StringMatch? Method { get; init; }
    public StringMatch? Authority { get; init; }
    public IReadOnlyDictionary<string, StringMatch>? Headers { get; init; }
    public IReadOnlyDictionary<string, StringMatch>? WithoutHeaders { get; init; }
    public IReadOnlyDictionary<string, StringMatch>? QueryParams { get; init; }
    public int? Port { get; init; }
    public IReadOnlyDictionary<string, string>? SourceLabels { get; init; }
    public string? SourceNamespace { get; init; }
    public IReadOnlyList<string>? Gateways { get; init; }
    public bool? IgnoreUriCase { get; init; }
}

/// <summary>Exactly one of exact, prefix or regex (RE2 syntax; evaluated with NonBacktracking).</summary>
public sealed record StringMatch
{
    public string? Exact { get; init; }
    public string? Prefix { get; init; }
    public string? Regex { get; init; }
}

public sealed record HttpRouteDestination
{
    public Destination? Destination { get; init; }
    public int? Weight { get; init; }
    public Headers? Headers { get; init; }
}

public sealed record Destination
{
    public string? Host { get; init; }
    public string? Subset { get; init; }
    public PortSelector? Port { get; init; }
}

public sealed record PortSelector
{
    public int? Number { get; init; }
}

public sealed record Percent
{
    public double? Value { get; init; }
}

public sealed record Headers
{
    public HeaderOperations? Request { get; init; }
    public HeaderOperations? Response { get; init; }
}

public sealed record HeaderOperations
{
    public IReadOnlyDictionary<string, string>? Set { get; init; }
    public IReadOnlyDictionary<string, string>? Add { get; init; }
    public IReadOnlyList<string>? Remove { get; init; }
}

public sealed record HttpRedirect
{
    public string? Uri { get; init; }
    public string? Authority { get; init; }
    public int? Port { get; init; }
    public string? Scheme { get; init; }
    public int? RedirectCode { get; init; }
}

public sealed record HttpDirectResponse
{
    public int? Status { get; init; }
    public HttpBody? Body { get; init; }
}

public sealed record HttpBody
{
    [JsonPropertyName("string")]
    public string? String { get; init; }
}

public sealed record HttpRewrite
{
    public string? Uri { get; init; }
    public string? Authority { get; init; }
    public RegexRewrite? UriRegexRewrite { get; init; }
}

public sealed record RegexRewrite
{
    public string? Match { get; init; }
    public string? Rewrite { get; init; }
}

public sealed record HttpRetry
{
    public int? Attempts { get; init; }
    public string? PerTryTimeout { get; init; }

    /// <summary>Comma-separated conditions: 5xx, gateway-error, connect-failure, reset, retriable-4xx, refused-stream, or status codes.</summary>
    public string? RetryOn { get; init; }
    public bool? RetryRemoteLocalities { get; init; }
}

public sealed record HttpFaultInjection
{
    public FaultDelay? Delay { get; init; }
    public FaultAbort? Abort { get; init; }
}

public sealed record FaultDelay
{
    public string? FixedDelay { get; init; }
    public Percent? Percentage { get; init; }

    /// <summary>Deprecated integer percentage (0-100), still used by Istio's samples.</summary>
    public int? Percent { get; init; }
}

public sealed record FaultAbort
{
    public int? HttpStatus { get; init; }
    public Percent? Percentage { get; init; }
    public int? Percent { get; init; }
}
