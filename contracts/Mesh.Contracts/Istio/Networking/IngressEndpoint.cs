using System.Globalization;

namespace Mesh.Contracts.Istio.Networking;

/// <summary>
/// A Sidecar ingress listener's <c>defaultEndpoint</c>: a loopback or wildcard address with a port (the app on this
/// machine), or a Unix domain socket. A wildcard address means the app listens everywhere; the sidecar reaches it on
/// loopback.
/// </summary>
public sealed record IngressEndpoint(string? Host, int Port, string? UnixPath)
{
    public static bool TryParse(string value, out IngressEndpoint endpoint)
    {
        endpoint = new IngressEndpoint(null, 0, null);
        if (value.StartsWith("unix://", StringComparison.Ordinal))
        {
            var path = value["unix://".Length..];
            if (path.Length == 0 || path[0] is not ('/' or '@'))
            {
                return false;
            }

            endpoint = new IngressEndpoint(null, 0, path);
            return true;
        }

        var colon = value.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(value.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
        {
            return false;
        }

        var host = value[..colon] switch
        {
            "127.0.0.1" or "0.0.0.0" => "127.0.0.1",
            "[::1]" or "[::]" => "[::1]",
            _ => null,
        };
        if (host is null)
        {
            return false;
        }

        endpoint = new IngressEndpoint(host, port, null);
        return true;
    }

    /// <summary>The forwarder's destination prefix; a Unix socket is reached through a connect callback, the prefix only names it.</summary>
    public string DestinationPrefix => UnixPath is null ? $"http://{Host}:{Port}" : "http://localhost";
}
