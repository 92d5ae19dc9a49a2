using System.Net.WebSockets;
using Mesh.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// A real Kestrel app on 127.0.0.1:0 standing in for one instance of a service. It answers with its version and
/// what it saw (Host, traceparent), and can be told to fail, to be slow, to stream SSE, or to echo WebSockets.
/// </summary>
internal sealed class UpstreamServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private int _requests;

    private UpstreamServer(WebApplication app, string version)
    {
        _app = app;
        Version = version;
    }

    public string Version { get; }
    public int Port { get; private set; }
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Non-zero: every request is answered with this status.</summary>
    public int FailStatus { get; set; }

    public TimeSpan Delay { get; set; }

    /// <summary>Non-zero: every n-th request (n, 2n, ...) is answered 503, so exactly 1/n of them fail.</summary>
    public int FailEveryNth { get; set; }

    /// <summary>Completed by the test to let the SSE stream finish.</summary>
    public TaskCompletionSource SseRelease { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public static async Task<UpstreamServer> StartAsync(string version, HttpProtocols protocols = HttpProtocols.Http1)
    {
        UpstreamServer? server = null;
        var (_, port) = await LoopbackApp.StartAsync(app =>
        {
            server = new UpstreamServer(app, version);
            app.UseWebSockets();
            app.Run(server.HandleAsync);
        }, protocols);
        server!.Port = port;
        return server;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var number = Interlocked.Increment(ref _requests);
        var response = context.Response;
        response.Headers["x-version"] = Version;
        response.Headers["x-seen-host"] = context.Request.Host.Value;
        response.Headers["x-seen-traceparent"] = context.Request.Headers.TraceParent.ToString();
        response.Headers["x-seen-protocol"] = context.Request.Protocol;
        response.Headers["x-seen-path"] = context.Request.Path.Value + context.Request.QueryString.Value;
        foreach (var (name, value) in context.Request.Headers)
        {
            if (name.StartsWith("x-", StringComparison.OrdinalIgnoreCase))
            {
                response.Headers["x-seen-req-" + name.ToLowerInvariant()] = value;
            }
        }
        if (Delay > TimeSpan.Zero)
        {
            await Task.Delay(Delay, context.RequestAborted);
        }

        if (FailStatus != 0 || (FailEveryNth > 0 && number % FailEveryNth == 0))
        {
            response.StatusCode = FailStatus != 0 ? FailStatus : StatusCodes.Status503ServiceUnavailable;
            await response.WriteAsync($"{Version} failing", context.RequestAborted);
            return;
        }

        switch (context.Request.Path.Value)
        {
            case "/sse":
                response.ContentType = "text/event-stream";
                await response.WriteAsync("data: first\n\n", context.RequestAborted);
                await response.Body.FlushAsync(context.RequestAborted);
                await SseRelease.Task.WaitAsync(context.RequestAborted);
                await response.WriteAsync("data: last\n\n", context.RequestAborted);
                break;
            case "/ws" when context.WebSockets.IsWebSocketRequest:
                using (var socket = await context.WebSockets.AcceptWebSocketAsync())
                {
                    var buffer = new byte[4096];
                    while (true)
                    {
                        var result = await socket.ReceiveAsync(buffer, context.RequestAborted);
                        if (result.MessageType == WebSocketMessageType.Close)
                        {
                            await socket.CloseAsync(WebSocketCloseStatus.NormalClosure, "bye", context.RequestAborted);
                            break;
                        }

                        await socket.SendAsync(buffer.AsMemory(0, result.Count), result.MessageType, result.EndOfMessage, context.RequestAborted);
                    }
                }

                break;
            case "/upload":
                long total = 0;
                var chunk = new byte[16 * 1024];
                int read;
                while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
                {
                    total += read;
                }

                await response.WriteAsync($"{Version} received {total}", context.RequestAborted);
                break;
            case var path when path?.EndsWith("/completions", StringComparison.Ordinal) == true:
                // An inference call: proves the body arrived whole and unchanged after the sidecar read its prefix.
                context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>()!.MaxRequestBodySize = null;
                using (var hash = System.Security.Cryptography.IncrementalHash.CreateHash(System.Security.Cryptography.HashAlgorithmName.SHA256))
                {
                    long length = 0;
                    var buffer = new byte[64 * 1024];
                    int n;
                    while ((n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                    {
                        hash.AppendData(buffer, 0, n);
                        length += n;
                    }

                    await response.WriteAsync($"{Version} received {length} sha256 {Convert.ToHexStringLower(hash.GetHashAndReset())}", context.RequestAborted);
                }

                break;
            default:
                await response.WriteAsync(Version, context.RequestAborted);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        SseRelease.TrySetResult();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
