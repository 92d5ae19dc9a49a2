using Mesh.Sidecar.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Mesh.Sidecar.Proxy;

/// <summary>
/// Istio traffic mirroring: a fire-and-forget copy of the request to the mirror cluster, with <c>-shadow</c>
/// appended to the Host as Envoy does; its response is discarded and its failures never affect the real request.
/// Only bodyless requests are mirrored, because a streamed body cannot be read twice without buffering it.
/// </summary>
internal sealed class MirrorSender(UpstreamClient upstream, TimeProvider time)
{
    private static readonly TimeSpan MirrorTimeout = TimeSpan.FromSeconds(10);

    public void Send(HttpContext context, ClusterRuntime cluster)
    {
        var endpoint = cluster.Select(null, null, time.GetUtcNow().UtcTicks);
        if (endpoint is null || LocalReply.CanHaveBody(context))
        {
            return;
        }

        var request = context.Request;
        var message = new HttpRequestMessage(new HttpMethod(request.Method), endpoint.DestinationPrefix + request.Path.ToUriComponent() + request.QueryString.ToUriComponent());
        foreach (var (name, values) in request.Headers)
        {
            if (!name.Equals(HeaderNames.Host, StringComparison.OrdinalIgnoreCase) && !name.Equals(HeaderNames.Connection, StringComparison.OrdinalIgnoreCase))
            {
                message.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
            }
        }

        var host = request.Host;
        message.Headers.TryAddWithoutValidation(HeaderNames.Host, host.Port is { } port ? $"{host.Host}-shadow:{port}" : $"{host.Host}-shadow");
        _ = SendAsync(message);
    }

    private async Task SendAsync(HttpRequestMessage message)
    {
        using var cts = new CancellationTokenSource(MirrorTimeout, time);
        try
        {
            using var response = await upstream.Invoker.SendAsync(message, cts.Token);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException)
        {
            // Mirror failures are invisible to the caller by design.
        }
        finally
        {
            message.Dispose();
        }
    }
}
