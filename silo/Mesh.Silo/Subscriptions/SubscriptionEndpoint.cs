using Mesh.Contracts.Cluster;
using System.Net.WebSockets;
using Mesh.Contracts.Protocol;
using Mesh.Silo.Api;
using Mesh.Silo.Cache;
using Mesh.Silo.Observability;

namespace Mesh.Silo.Subscriptions;

/// <summary><c>GET /api/v1/subscribe</c>: upgrades to a WebSocket and runs the subscription protocol (docs/protocol.md).</summary>
internal static partial class SubscriptionEndpoint
{
    public static IEndpointConventionBuilder MapSubscriptions(this IEndpointRouteBuilder endpoints) =>
        endpoints.Map("/api/v1/subscribe", HandleAsync).ExcludeFromDescription();

    private static async Task HandleAsync(HttpContext context)
    {
        // The stream carries the whole pushed configuration: with Mesh:ProtectReads it needs a token like any read.
        if (!await context.TryAuthorizeAsync(ApiRole.ReadOnly))
        {
            return;
        }

        if (!context.WebSockets.IsWebSocketRequest)
        {
            await ApiErrors.Write(context, StatusCodes.Status400BadRequest, "this endpoint needs a WebSocket upgrade (see docs/protocol.md)", null);
            return;
        }

        var services = context.RequestServices;
        var cache = services.GetRequiredService<ResourceCache>();
        if (!cache.IsLoaded)
        {
            await ApiErrors.Write(context, StatusCodes.Status503ServiceUnavailable, "silo is starting: resource cache not loaded yet", null);
            return;
        }

        var options = services.GetRequiredService<SiloOptions>();
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Mesh.Silo.Subscriptions");
        using var socket = await context.WebSockets.AcceptWebSocketAsync();
        var hello = await ReceiveHelloAsync(socket, options, context.RequestAborted);
        if (hello.Error is not null)
        {
            await RejectAsync(socket, hello.Error);
            return;
        }

        var timeProvider = services.GetRequiredService<TimeProvider>();
        var registry = services.GetRequiredService<SubscriberRegistry>();
        var flusher = services.GetRequiredService<SubscriberStatusFlusher>();
        var metrics = services.GetRequiredService<SiloMetrics>();
        var node = hello.Frame!.Node;
        var state = new SubscriberState(services.GetRequiredService<SiloIdentity>().Id, node, timeProvider.GetUtcNow());
        var session = new SubscriptionSession(socket, node, hello.Frame.Revision, state, cache,
            services.GetRequiredService<FrameBuilder>(), services.GetRequiredService<HeartbeatClock>(), metrics, options, timeProvider, flusher.FlushSoon,
            services.GetRequiredService<Health.OutlierReportWriter>(), logger);
        registry.Add(session);
        LogConnected(logger, node.Id, hello.Frame.Revision);
        if (registry.DrainReason is { } reason)
        {
            _ = session.ReconnectAsync(reason, context.RequestAborted);
        }

        try
        {
            await session.RunAsync(context.RequestAborted);
        }
        finally
        {
            registry.Remove(session);
            LogDisconnected(logger, node.Id);
        }
    }

    private static async Task<(HelloFrame? Frame, string? Error)> ReceiveHelloAsync(WebSocket socket, SiloOptions options, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.SubscriberTimeout);
        try
        {
            var frame = await SubscriptionSession.ReceiveFrameAsync(socket, options.MaxClientFrameBytes, timeout.Token);
            return frame switch
            {
                null => (null, "closed before hello"),
                HelloFrame { Node: null } => (null, "hello.node is required"),
                HelloFrame { Node.Id: null or "" } => (null, "hello.node.id is required"),
                HelloFrame { Node.Id.Length: > 253 } => (null, "hello.node.id is longer than 253 characters"),
                HelloFrame { Revision: < 0 } => (null, "hello.revision must not be negative"),
                HelloFrame { Node.Namespace: null or "" } => (null, "hello.node.namespace is required"),
                HelloFrame hello => (hello, null),
                _ => (null, $"first frame must be 'hello', got '{frame.GetType().Name}'"),
            };
        }
        catch (ProtocolViolationException ex)
        {
            return (null, ex.Message);
        }
        catch (OperationCanceledException)
        {
            return (null, "no hello within the subscriber timeout");
        }
    }

    private static async Task RejectAsync(WebSocket socket, string error)
    {
        try
        {
            if (socket.State == WebSocketState.Open)
            {
                await socket.SendAsync(FrameBuilder.Serialize(new ErrorFrame(error)), WebSocketMessageType.Text, true, CancellationToken.None);
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
                await socket.CloseOutputAsync(WebSocketCloseStatus.PolicyViolation, error.Length > 120 ? error[..120] : error, timeout.Token);
            }
        }
        catch (Exception ex) when (ex is WebSocketException or OperationCanceledException or IOException)
        {
        }
    }

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Subscriber {Id} connected at revision {Revision}")]
    private static partial void LogConnected(ILogger logger, string id, long revision);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Subscriber {Id} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string id);
}
