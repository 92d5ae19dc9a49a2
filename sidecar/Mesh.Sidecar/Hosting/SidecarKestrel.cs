using System.Net;
using Mesh.Hosting.Connections;
using Mesh.Sidecar.Listeners;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Mesh.Sidecar.Hosting;

/// <summary>Kestrel listeners and limits tuned for proxying (see docs/benchmarks-proxy.md for what each gave).</summary>
internal static class SidecarKestrel
{
    public static void ConfigureSidecarKestrel(this WebApplicationBuilder builder, SidecarOptions options)
    {
        builder.WebHost.ConfigureKestrel((context, kestrel) =>
        {
            var ports = kestrel.ApplicationServices.GetRequiredService<ListenerPorts>();
            kestrel.AddServerHeader = false;
            // The mesh's mutual TLS is transport between sidecars: the request inside is the app's plain http request, so
            // HTTP/2 over it carries :scheme http, which Kestrel would otherwise reset with PROTOCOL_ERROR (gRPC broke).
            kestrel.AllowAlternateSchemes = true;
            var limits = kestrel.Limits;
            // A proxy streams bodies of any size at any pace (LLM token streams, uploads); the app enforces its own limits.
            limits.MaxRequestBodySize = null;
            limits.MinRequestBodyDataRate = null;
            limits.MinResponseDataRate = null;
            limits.Http2.MaxStreamsPerConnection = 1000;
            limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            limits.Http2.InitialStreamWindowSize = 1024 * 1024;

            ListenOptions? outbound = null, inbound = null, admin = null;
            var outboundAddress = options.Mode == SidecarMode.Gateway ? BindAddress(options.Address) : IPAddress.Loopback;
            ListenWithH2c(kestrel, outboundAddress, options.OutboundPort, l => outbound = l);
            var tls = options.JoinToken is null ? null : kestrel.ApplicationServices.GetRequiredService<Security.InboundTls>();
            ListenWithH2c(kestrel, BindAddress(options.Address), options.InboundPort, l => inbound = l, tls);
            kestrel.Listen(IPAddress.Loopback, options.AdminPort, l => { l.Protocols = HttpProtocols.Http1; admin = l; });
            ListenOptions? gatewayHttps = null;
            if (options.Mode == SidecarMode.Gateway && options.GatewayHttpsPort is { } httpsPort)
            {
                var certificates = kestrel.ApplicationServices.GetRequiredService<Gateway.GatewayCertificates>();
                kestrel.Listen(outboundAddress, httpsPort, l =>
                {
                    l.Protocols = HttpProtocols.Http1AndHttp2;
                    l.UseHttps(https => https.ServerCertificateSelector = (_, serverName) => certificates.Select(serverName));
                    gatewayHttps = l;
                });
            }

            ports.Bind(outbound!, inbound!, admin!, gatewayHttps);
        });
    }

    /// <summary>
    /// An HTTP/1.1 endpoint that also accepts h2c with prior knowledge, by handing such connections to the pipeline of
    /// a companion HTTP/2-only endpoint on a loopback port (see <see cref="H2cDetection"/>).
    /// </summary>
    /// <remarks>
    /// With <paramref name="tls"/>, TLS connections go to a third companion endpoint's TLS pipeline instead (see
    /// <see cref="Security.InboundTls"/>); the request is still dispatched by the port it arrived on.
    /// </remarks>
    private static void ListenWithH2c(KestrelServerOptions kestrel, IPAddress address, int port, Action<ListenOptions> capture, Security.InboundTls? tls = null)
    {
        ConnectionDelegate? http2 = null, https = null;
        kestrel.Listen(IPAddress.Loopback, 0, l =>
        {
            l.Protocols = HttpProtocols.Http2;
            l.Use(next => http2 = next);
        });
        if (tls is not null)
        {
            var tcp = kestrel.ApplicationServices.GetRequiredService<Connections.InboundConnectionRelay>();
            kestrel.Listen(IPAddress.Loopback, 0, l =>
            {
                l.Protocols = HttpProtocols.Http1AndHttp2;
                l.Use(next => https = next);
                l.UseHttps(tls.HandshakeOptions);
                // After the handshake: a peer sidecar relaying TCP (ALPN mesh-tcp) gets the app's port, not HTTP.
                l.Use(next => connection => Connections.InboundConnectionRelay.IsMeshTcp(connection) ? tcp.HandleAsync(connection) : next(connection));
            });
        }

        kestrel.Listen(address, port, l =>
        {
            l.Protocols = HttpProtocols.Http1;
            l.Use(next => tls is null
                ? connection => H2cDetection.RouteAsync(connection, next, http2!)
                : connection => tls.RouteAsync(connection, https!, c => H2cDetection.RouteAsync(c, next, http2!)));
            capture(l);
        });
    }

    /// <summary>Binds the advertised address when it is a local IP, else all interfaces.</summary>
    private static IPAddress BindAddress(string address) => IPAddress.TryParse(address, out var ip) ? ip : IPAddress.Any;
}
