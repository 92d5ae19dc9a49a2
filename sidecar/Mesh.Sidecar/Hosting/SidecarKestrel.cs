using System.Net;
using Mesh.Sidecar.Listeners;
using Microsoft.AspNetCore.Builder;
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
            kestrel.Listen(outboundAddress, options.OutboundPort, l => { l.Protocols = HttpProtocols.Http1AndHttp2; outbound = l; });
            kestrel.Listen(BindAddress(options.Address), options.InboundPort, l => { l.Protocols = HttpProtocols.Http1AndHttp2; inbound = l; });
            kestrel.Listen(IPAddress.Loopback, options.AdminPort, l => { l.Protocols = HttpProtocols.Http1; admin = l; });
            ports.Bind(outbound!, inbound!, admin!);
        });
    }

    /// <summary>Binds the advertised address when it is a local IP, else all interfaces.</summary>
    private static IPAddress BindAddress(string address) => IPAddress.TryParse(address, out var ip) ? ip : IPAddress.Any;
}
