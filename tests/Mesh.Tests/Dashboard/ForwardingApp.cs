using Mesh.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Dashboard;

/// <summary>
/// A real Kestrel app standing in for a frontend that calls other services: a GET of <c>/NAME</c> makes one call to
/// the URL its routes give for NAME through <see cref="Outbound"/> (its sidecar's outbound port) and answers with
/// that call's status, so the caller upstream sees the callee's errors.
/// </summary>
internal sealed class ForwardingApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly IReadOnlyDictionary<string, string> _routes;

    private ForwardingApp(WebApplication app, IReadOnlyDictionary<string, string> routes)
    {
        _app = app;
        _routes = routes;
    }

    public int Port { get; private set; }

    /// <summary>Set once the app's sidecar is up (the sidecar needs the app's port first); until then calls answer 503.</summary>
    public HttpClient? Outbound { get; set; }

    public static async Task<ForwardingApp> StartAsync(IReadOnlyDictionary<string, string> routes)
    {
        ForwardingApp? forwarder = null;
        var (_, port) = await LoopbackApp.StartAsync(app =>
        {
            forwarder = new ForwardingApp(app, routes);
            app.Run(forwarder.HandleAsync);
        });
        forwarder!.Port = port;
        return forwarder;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (!_routes.TryGetValue(context.Request.Path.Value?.Trim('/') ?? "", out var url))
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        if (Outbound is not { } outbound)
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return;
        }

        using var answer = await outbound.GetAsync(url, context.RequestAborted);
        context.Response.StatusCode = (int)answer.StatusCode;
        await context.Response.WriteAsync(await answer.Content.ReadAsStringAsync(context.RequestAborted), context.RequestAborted);
    }

    public async ValueTask DisposeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await _app.StopAsync(timeout.Token);
        await _app.DisposeAsync();
    }
}
