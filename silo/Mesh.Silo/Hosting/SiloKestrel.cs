using System.Net;
using Mesh.Hosting.Connections;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Silo;

/// <summary>
/// The silo serves the REST API and the gRPC subscription on the same <c>--urls</c> addresses. Cleartext gRPC is
/// HTTP/2 with prior knowledge, which Kestrel serves only on HTTP/2-only endpoints (an Http1AndHttp2 cleartext
/// endpoint refuses it with HTTP_1_1_REQUIRED), so each <c>http://</c> URL is an HTTP/1.1 endpoint that hands
/// connections opening with the HTTP/2 preface to a companion HTTP/2-only endpoint on a loopback port
/// (<see cref="H2cDetection"/>, shared with the sidecar). <c>https://</c> URLs negotiate the protocol with ALPN.
/// </summary>
internal static class SiloKestrel
{
    /// <summary>
    /// The configured URLs, taken over from the host: <see cref="ConfigureSiloKestrel"/> binds them itself (left set,
    /// they would only produce an "overriding addresses" warning).
    /// </summary>
    public static IReadOnlyList<string> TakeUrls(this WebApplicationBuilder builder)
    {
        var urls = (builder.WebHost.GetSetting(WebHostDefaults.ServerUrlsKey) is { Length: > 0 } configured ? configured : "http://localhost:5000")
            .Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "");
        return urls;
    }

    /// <summary>
    /// Binds <paramref name="urls"/>. Call it after the certificate wiring: <c>UseHttps()</c> applies the HTTPS
    /// defaults (the silo's certificate selector) registered before it.
    /// </summary>
    public static void ConfigureSiloKestrel(this WebApplicationBuilder builder, SiloOptions options, IReadOnlyList<string> urls)
    {
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxRequestBodyBytes;
            // HTTP/2 PING keeps subscription streams honest: a peer that stops answering is gone within delay + timeout.
            kestrel.Limits.Http2.KeepAlivePingDelay = options.KeepAlivePingDelay;
            kestrel.Limits.Http2.KeepAlivePingTimeout = options.KeepAlivePingTimeout;

            ConnectionDelegate? http2 = null;
            var cleartext = false;
            foreach (var url in urls)
            {
                var address = BindingAddress.Parse(url);
                var https = string.Equals(address.Scheme, "https", StringComparison.OrdinalIgnoreCase);
                cleartext |= !https;
                Listen(kestrel, address, listen =>
                {
                    if (https)
                    {
                        listen.Protocols = HttpProtocols.Http1AndHttp2;
                        listen.UseHttps();
                    }
                    else
                    {
                        listen.Protocols = HttpProtocols.Http1;
                        listen.Use(next => connection => H2cDetection.RouteAsync(connection, next, http2!));
                    }
                });
            }

            if (cleartext)
            {
                kestrel.Listen(IPAddress.Loopback, 0, listen =>
                {
                    listen.Protocols = HttpProtocols.Http2;
                    listen.Use(next => http2 = next);
                });
            }
        });
    }

    private static void Listen(KestrelServerOptions kestrel, BindingAddress address, Action<ListenOptions> configure)
    {
        if (string.Equals(address.Host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(address.Port, configure);
        }
        else if (IPAddress.TryParse(address.Host, out var ip))
        {
            kestrel.Listen(ip, address.Port, configure);
        }
        else
        {
            // "+", "*" and host names bind every interface, as Kestrel does for URLs.
            kestrel.ListenAnyIP(address.Port, configure);
        }
    }
}
