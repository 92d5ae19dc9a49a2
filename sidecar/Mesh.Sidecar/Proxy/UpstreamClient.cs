using System.Diagnostics;
using System.Net;
using Mesh.Sidecar.Hosting;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// The one connection pool every forwarded request uses. It is never replaced or disposed on a config change, so
/// in-flight requests are unaffected and keep-alive connections are reused across configurations.
/// </summary>
internal sealed class UpstreamClient : IDisposable
{
    private static readonly TimeSpan IdleStreamTimeout = TimeSpan.FromMinutes(5);

    public UpstreamClient(SidecarOptions options)
    {
        var handler = CreateHandler();
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
        Http11 = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower, ActivityTimeout = IdleStreamTimeout };
        Http2 = new ForwarderRequestConfig { Version = HttpVersion.Version20, VersionPolicy = HttpVersionPolicy.RequestVersionExact, ActivityTimeout = IdleStreamTimeout };
        Default = options.UpstreamHttpVersion.Major == 2 ? Http2 : Http11;
    }

    public HttpMessageInvoker Invoker { get; }

    public ForwarderRequestConfig Http11 { get; }

    public ForwarderRequestConfig Http2 { get; }

    public ForwarderRequestConfig Default { get; }

    /// <summary>
    /// gRPC needs HTTP/2 end to end; HTTP/1.1 upgrades (WebSockets) need HTTP/1.1; everything else uses the configured
    /// upstream version.
    /// </summary>
    public ForwarderRequestConfig For(HttpContext context)
    {
        if (context.Request.ContentType is { } type && type.StartsWith("application/grpc", StringComparison.OrdinalIgnoreCase))
        {
            return Http2;
        }

        return context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpUpgradeFeature>() is { IsUpgradableRequest: true } ? Http11 : Default;
    }

    public void Dispose() => Invoker.Dispose();

    /// <summary>
    /// The upstream connection pool settings every pool of the sidecar shares (plaintext here, mTLS in
    /// <see cref="Security.MeshTlsConnector"/>): keep-alive reuse, no proxy/redirect/decompression/cookies.
    /// </summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        UseCookies = false,
        MaxConnectionsPerServer = int.MaxValue,
        EnableMultipleHttp2Connections = true,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(90),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        // The sidecar writes traceparent itself (its own span id); the handler must not add a second one.
        ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
    };
}
