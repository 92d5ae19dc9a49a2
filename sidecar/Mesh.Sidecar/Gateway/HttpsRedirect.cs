using Mesh.Sidecar.Configuration;

namespace Mesh.Sidecar.Gateway;

/// <summary>
/// Istio's <c>tls.httpsRedirect</c> on a plain-HTTP Gateway server: requests for its hosts get a 301 to the same URL
/// on the gateway's HTTPS listener.
/// </summary>
internal static class HttpsRedirect
{
    public static bool TryRedirect(HttpContext context, RuntimeConfig config, int? httpsPort)
    {
        var host = context.Request.Host.Host;
        foreach (var listener in config.Source.Gateways)
        {
            if (listener.HttpsRedirect && listener.Tls is null && listener.Hosts.Any(h => GatewayCertificates.HostMatches(h, host)))
            {
                var port = httpsPort is null or 443 ? "" : ":" + httpsPort;
                context.Response.StatusCode = StatusCodes.Status301MovedPermanently;
                context.Response.Headers.Location = $"https://{host}{port}{context.Request.PathBase}{context.Request.Path}{context.Request.QueryString}";
                return true;
            }
        }

        return false;
    }
}
