using Google.Protobuf;
using Grpc.Core;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Protocol.V1;
using Mesh.Silo.Api;
using Mesh.Silo.Cache;
using Mesh.Silo.Health;
using Mesh.Silo.Observability;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// The gRPC service <c>mesh.discovery.v1.MeshDiscovery</c> (contracts/Mesh.Contracts/Protos/discovery.proto,
/// docs/protocol.md). Bound by hand rather than through the generated base class so the response stream carries
/// bytes that <see cref="ResponseBuilder"/> serialized once for every subscriber in the same position; on the wire
/// they are ordinary <see cref="SubscribeResponse"/> messages.
/// </summary>
internal sealed partial class DiscoveryService(
    SubscriberAuthentication authentication,
    ResourceCache cache,
    SubscriberRegistry registry,
    SubscriberStatusFlusher flusher,
    ResponseBuilder builder,
    OutlierReportWriter outliers,
    Traffic.TrafficCollector traffic,
    SiloIdentity silo,
    SiloMetrics metrics,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<DiscoveryService> logger) : DiscoveryServiceBinding
{
    public override async Task Subscribe(IAsyncStreamReader<SubscribeRequest> requests, IServerStreamWriter<byte[]> responses, ServerCallContext context)
    {
        // The stream carries the pushed configuration: a workload certificate or (with Mesh:ProtectReads) a token.
        var identity = await authentication.AuthenticateAsync(context);
        if (!cache.IsLoaded)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "silo is starting: resource cache not loaded yet"));
        }

        var (node, held) = FirstRequest.Parse(await ReadFirstAsync(requests, context.CancellationToken));
        SubscriberAuthentication.Authorize(identity, node);
        var state = new SubscriberState(silo.Id, node, timeProvider.GetUtcNow());
        var session = new SubscriptionSession(requests, responses, node, held, state, cache, builder, metrics, timeProvider,
            flusher.FlushSoon, outliers, traffic, logger);
        registry.Add(session);
        LogConnected(logger, node.Id, held.Count);
        if (registry.DrainReason is { } reason)
        {
            _ = session.ReconnectAsync(reason, context.CancellationToken);
        }

        try
        {
            await session.RunAsync(context.CancellationToken);
        }
        finally
        {
            registry.Remove(session);
            LogDisconnected(logger, node.Id);
        }
    }

    private async Task<SubscribeRequest> ReadFirstAsync(IAsyncStreamReader<SubscribeRequest> requests, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.SubscriberTimeout);
        try
        {
            return await ReadAsync(requests, timeout.Token)
                ?? throw Invalid("the stream ended before its first request (subscribe)");
        }
        catch (Exception ex) when (ex is OperationCanceledException or RpcException { StatusCode: StatusCode.Cancelled }
            && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded,
                $"no subscribe request within {options.SubscriberTimeout.TotalSeconds:0.#} s (Mesh:SubscriberTimeout)"));
        }
    }

    /// <summary>The next request, or null when the client ended its side. Undecodable and oversized requests are protocol violations.</summary>
    public static async Task<SubscribeRequest?> ReadAsync(IAsyncStreamReader<SubscribeRequest> requests, CancellationToken cancellationToken)
    {
        try
        {
            return await requests.MoveNext(cancellationToken) ? requests.Current : null;
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw Invalid($"request is not a valid SubscribeRequest: {ex.Message}");
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
        {
            throw new RpcException(new Status(StatusCode.ResourceExhausted, $"{ex.Status.Detail} (the limit is Mesh:MaxClientFrameBytes)"));
        }
    }

    public static RpcException Invalid(string problem) => new(new Status(StatusCode.InvalidArgument, problem));

    [LoggerMessage(EventId = 210, Level = LogLevel.Information, Message = "Subscriber {Id} connected holding {Held} resources")]
    private static partial void LogConnected(ILogger logger, string id, int held);

    [LoggerMessage(EventId = 211, Level = LogLevel.Information, Message = "Subscriber {Id} disconnected")]
    private static partial void LogDisconnected(ILogger logger, string id);
}

/// <summary>
/// What Grpc.AspNetCore binds: the method with a pass-through response marshaller, and the abstract handler it finds
/// by name on the implementation (it requires an override of a method declared beside the bind method).
/// </summary>
[BindServiceMethod(typeof(DiscoveryServiceBinding), nameof(BindService))]
internal abstract class DiscoveryServiceBinding
{
    private static readonly Method<SubscribeRequest, byte[]> SubscribeMethod = new(
        MethodType.DuplexStreaming,
        MeshDiscovery.Descriptor.FullName,
        nameof(Subscribe),
        Marshallers.Create(request => request.ToByteArray(), SubscribeRequest.Parser.ParseFrom),
        Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes));

    /// <summary>The service's descriptor, which server reflection finds beside the bind method.</summary>
    public static Google.Protobuf.Reflection.ServiceDescriptor Descriptor => MeshDiscovery.Descriptor;

    public static void BindService(ServiceBinderBase binder, DiscoveryServiceBinding? service) =>
        binder.AddMethod(SubscribeMethod, service is null ? null : service.Subscribe);

    public abstract Task Subscribe(IAsyncStreamReader<SubscribeRequest> requests, IServerStreamWriter<byte[]> responses, ServerCallContext context);
}
