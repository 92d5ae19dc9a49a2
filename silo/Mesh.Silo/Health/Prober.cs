using System.Net;
using System.Net.Sockets;

namespace Mesh.Silo.Health;

/// <summary>
/// Runs one probe: an HTTP GET (healthy when the status is expected) or a TCP connect, bounded by the check's
/// timeout. Requests carry <c>x-mesh-prober: &lt;silo id&gt;</c> so an endpoint's owner can tell who probed it.
/// </summary>
internal sealed class Prober(IHttpClientFactory clients, SiloIdentity silo, HealthMetrics metrics, TimeProvider timeProvider)
{
    public const string ClientName = "mesh-health-probe";
    public const string ProberHeader = "x-mesh-prober";

    public async Task<bool> ProbeAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        var healthy = await RunAsync(target, cancellationToken);
        metrics.RecordProbe(healthy);
        return healthy;
    }

    private async Task<bool> RunAsync(ProbeTarget target, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(target.Policy.Timeout, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        var port = target.Policy.Port ?? target.Port;
        try
        {
            return target.Policy.IsHttp
                ? await HttpAsync(target, port, linked.Token)
                : await TcpAsync(target.Address, port, linked.Token);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Whatever stops a probe (timeout, refused, reset, an address the client cannot use) is a failed probe.
            return false;
        }
    }

    private async Task<bool> HttpAsync(ProbeTarget target, int port, CancellationToken cancellationToken)
    {
        var host = IPAddress.TryParse(target.Address, out var ip) && ip.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{target.Address}]" : target.Address;
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://{host}:{port}{target.Policy.Path}");
        request.Headers.TryAddWithoutValidation(ProberHeader, silo.Id);
        request.Headers.TryAddWithoutValidation("User-Agent", "mesh-health-check/1");
        using var response = await clients.CreateClient(ClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return target.Policy.ExpectedStatuses.Contains((int)response.StatusCode);
    }

    private static async Task<bool> TcpAsync(string address, int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        EndPoint endpoint = IPAddress.TryParse(address, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(address, port);
        await socket.ConnectAsync(endpoint, cancellationToken);
        return true;
    }
}
