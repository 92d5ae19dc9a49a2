using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Mesh.Cli.Configuration;
using Mesh.Contracts.Json;

namespace Mesh.Cli.Client;

/// <summary>
/// The admin API over HTTP. Every failure becomes a <see cref="CliException"/> with the server's message and the exit
/// code its status maps to; the token is sent but never part of any message.
/// </summary>
internal sealed class SiloClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly CliSettings _settings;

    public SiloClient(CliSettings settings)
    {
        _settings = settings;
        _http = new HttpClient { BaseAddress = settings.Server, Timeout = TimeSpan.FromSeconds(30) };
        if (!string.IsNullOrEmpty(settings.Token))
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", settings.Token);
        }
    }

    public async Task<T> GetAsync<T>(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Get, path), cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    /// <summary>Like <see cref="GetAsync{T}"/> but a 404 is null rather than an error.</summary>
    public async Task<T?> FindAsync<T>(string path, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            return await GetAsync<T>(path, cancellationToken);
        }
        catch (CliException e) when (e.ExitCode == ExitCodes.NotFound)
        {
            return null;
        }
    }

    public async Task<T> PutAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = JsonContent.Create(body, body.GetType(), options: MeshJson.Options) };
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    public async Task<T> PostAsync<T>(string path, object body, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, body.GetType(), options: MeshJson.Options) };
        using var response = await SendAsync(request, cancellationToken);
        return await ReadAsync<T>(response, cancellationToken);
    }

    public async Task DeleteAsync(string path, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(new HttpRequestMessage(HttpMethod.Delete, path), cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(request, cancellationToken);
            }
            catch (HttpRequestException e)
            {
                throw Unreachable(e.InnerException is SocketException socket ? socket.Message : e.Message);
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw Unreachable($"no answer within {_http.Timeout.TotalSeconds:0} s");
            }

            if (response.IsSuccessStatusCode)
            {
                return response;
            }

            using (response)
            {
                throw await FailureAsync(response, cancellationToken);
            }
        }
    }

    private CliException Unreachable(string reason) =>
        new(ExitCodes.Unavailable, $"cannot reach the silo at {_settings.Server} (from {_settings.ServerSource}): {reason}");

    private async Task<CliException> FailureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var error = await ApiError.ReadAsync(response, cancellationToken);
        var text = $"Error from server ({ReasonOf(response.StatusCode)}, {status}): {error.Describe()}";
        return status switch
        {
            401 => new CliException(ExitCodes.UserError, text + (_settings.Token is null
                ? "\nNo token is configured: pass --token, set MESH_TOKEN, or put 'token:' in ~/.mesh/config.yaml."
                : "\nThe configured token was refused.")) { Fatal = true },
            403 => new CliException(ExitCodes.UserError, text) { Fatal = true },
            404 => new CliException(ExitCodes.NotFound, text),
            >= 500 => new CliException(ExitCodes.Unavailable, text),
            _ => new CliException(ExitCodes.UserError, text),
        };
    }

    private static string ReasonOf(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => "BadRequest",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "NotFound",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.ServiceUnavailable => "ServiceUnavailable",
        _ => code.ToString(),
    };

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync<T>(MeshJson.Options, cancellationToken)
                ?? throw new CliException(ExitCodes.Unavailable, "the silo answered with an empty body");
        }
        catch (JsonException e)
        {
            throw new CliException(ExitCodes.Unavailable, $"the silo answered with JSON meshctl cannot read: {e.Message}");
        }
    }

    public void Dispose() => _http.Dispose();
}
