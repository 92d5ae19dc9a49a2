using Mesh.Sidecar.Proxy;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Listeners;

/// <summary>The one request delegate: picks outbound, inbound or admin by the local port the request arrived on.</summary>
internal sealed class ListenerDispatcher(ListenerPorts ports, OutboundProxy outbound, InboundProxy inbound, AdminEndpoints admin, Configuration.ProxyConfigHolder holder, Hosting.SidecarOptions options)
{
    public Task HandleAsync(HttpContext context)
    {
        var port = context.Connection.LocalPort;
        if (port == ports.Outbound)
        {
            if (options.Mode == Hosting.SidecarMode.Gateway && Gateway.HttpsRedirect.TryRedirect(context, holder.Current, ports.GatewayHttps == 0 ? null : ports.GatewayHttps))
            {
                return Task.CompletedTask;
            }

            return outbound.HandleAsync(context);
        }

        if (port == ports.GatewayHttps && port != 0)
        {
            // TLS is already terminated; Gateway routing is the same as on the plain port.
            return outbound.HandleAsync(context);
        }

        if (port == ports.Inbound)
        {
            return inbound.HandleAsync(context);
        }

        if (port == ports.Admin)
        {
            return admin.HandleAsync(context);
        }

        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return Task.CompletedTask;
    }
}
