using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Sidecar.Hosting;

namespace Mesh.Sidecar.Registration;

internal sealed class SiloApiException(string message) : Exception(message)
{
    /// <summary>The silo's 4xx status when it answered and refused; null when no silo answered.</summary>
    public int? StatusCode { get; init; }
}

/// <summary>
/// REST calls to the silos' admin API, trying each silo in turn (starting with the last one that answered) so any
/// live silo will do. Failures of one silo are transport errors or 5xx; a 4xx is the answer and is not retried.
/// </summary>
internal sealed class SiloApiClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly SidecarOptions _options;
    private int _preferred;

    public SiloApiClient(SidecarOptions options, Security.SiloTrust trust)
    {
        _options = options;
        _http = new HttpClient(new SocketsHttpHandler
        {
            UseProxy = false,
            ConnectTimeout = TimeSpan.FromSeconds(3),
            SslOptions = { RemoteCertificateValidationCallback = trust.Callback },
        })
        {
            Timeout = TimeSpan.FromSeconds(10),
        };
    }

    public Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, CancellationToken cancellationToken) =>
        SendAsync<T>(method, path, body, _options.Token, cancellationToken);

    /// <summary>Sends with <paramref name="bearer"/> instead of the configured token (null: no Authorization header).</summary>
    public async Task<T?> SendAsync<T>(HttpMethod method, string path, object? body, string? bearer, CancellationToken cancellationToken)
    {
        var silos = _options.Silos;
        string? lastError = null;
        for (var i = 0; i < silos.Count; i++)
        {
            var index = (_preferred + i) % silos.Count;
            using var request = new HttpRequestMessage(method, new Uri(silos[index], path));
            if (bearer is { } token)
            {
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            }

            if (body is not null)
            {
                request.Content = JsonContent.Create(body, SidecarJson.Options.GetTypeInfo(body.GetType()));
            }

            try
            {
                using var response = await _http.SendAsync(request, cancellationToken);
                if ((int)response.StatusCode >= 500)
                {
                    lastError = $"{silos[index]} answered {(int)response.StatusCode}";
                    continue;
                }

                _preferred = index;
                if (!response.IsSuccessStatusCode)
                {
                    var text = await response.Content.ReadAsStringAsync(cancellationToken);
                    throw new SiloApiException($"{method} {path} answered {(int)response.StatusCode}: {text}") { StatusCode = (int)response.StatusCode };
                }

                return response.StatusCode == HttpStatusCode.NoContent || typeof(T) == typeof(object)
                    ? default
                    : await response.Content.ReadFromJsonAsync(SidecarJson.Options.TypeInfo<T>(), cancellationToken);
            }
            catch (HttpRequestException ex)
            {
                lastError = $"{silos[index]}: {ex.Message}";
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastError = $"{silos[index]}: timed out";
            }
        }

        throw new SiloApiException($"no silo answered {method} {path}: {lastError}");
    }

    public void Dispose() => _http.Dispose();
}
