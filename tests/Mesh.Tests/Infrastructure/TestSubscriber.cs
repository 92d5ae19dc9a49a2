using System.Collections.Concurrent;
using System.Threading.Channels;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;

namespace Mesh.Tests.Infrastructure;

/// <summary>
/// A protocol-level subscriber for tests: speaks the gRPC protocol of docs/protocol.md through the generated client,
/// applies every response to a local resource set, and ACKs (or NACKs on request) each one by nonce.
/// </summary>
internal sealed class TestSubscriber : IAsyncDisposable
{
    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<SubscribeRequest, SubscribeResponse> _call;
    private readonly ConcurrentDictionary<ResourceKey, MeshResource> _resources = new();
    private readonly Channel<SubscribeResponse> _responses = Channel.CreateUnbounded<SubscribeResponse>();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task? _receive;

    private TestSubscriber(Uri silo, string? token)
    {
        _channel = GrpcChannel.ForAddress(silo, new GrpcChannelOptions { MaxReceiveMessageSize = null });
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", "Bearer " + token);
        }

        _call = new MeshDiscovery.MeshDiscoveryClient(_channel).Subscribe(headers, cancellationToken: _stop.Token);
    }

    /// <summary>The silo position of the last accepted response (its informational system_version_info).</summary>
    public long Revision { get; private set; }

    /// <summary>When set, the next response is NACKed with this error instead of ACKed.</summary>
    public string? NackNextWith { get; set; }

    /// <summary>When set, <see cref="NackNextWith"/> waits for a response this accepts (others are ACKed as usual).</summary>
    public Func<Resources, bool>? NackOnlyIf { get; set; }

    public IReadOnlyCollection<MeshResource> Resources => _resources.Values.ToList();

    /// <summary>Every response received, in order.</summary>
    public ChannelReader<SubscribeResponse> Responses => _responses.Reader;

    /// <summary>1 once the first response of the stream (the answer to subscribe) arrived.</summary>
    public int InitialResponses { get; private set; }

    /// <summary>Responses after the first one.</summary>
    public int Updates { get; private set; }

    /// <summary>Serialized size of every resources response received.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>The status the silo ended the stream with, once it did.</summary>
    public Status? EndStatus { get; private set; }

    /// <summary>Versions of everything held, as a resume sends them.</summary>
    public IReadOnlyDictionary<ResourceKey, long> HeldVersions => _resources.ToDictionary(r => r.Key, r => r.Value.Version);

    public static Task<TestSubscriber> ConnectAsync(Uri silo, NodeInfo node, string? token = null) =>
        ConnectAsync(silo, node, new Dictionary<ResourceKey, long>(), token);

    public static async Task<TestSubscriber> ConnectAsync(Uri silo, NodeInfo node, IReadOnlyDictionary<ResourceKey, long> held, string? token = null)
    {
        var subscriber = new TestSubscriber(silo, token);
        var subscribe = new Subscribe { Node = WireResources.ToWire(node) };
        foreach (var (key, version) in held)
        {
            subscribe.InitialResourceVersions[WireResources.Key(key)] = WireResources.Version(version);
        }

        await subscriber.SendAsync(new SubscribeRequest { Subscribe = subscribe });
        subscriber._receive = Task.Run(subscriber.ReceiveLoopAsync);
        return subscriber;
    }

    public bool Has(ResourceKey key) => _resources.ContainsKey(key);

    public MeshResource? Get(ResourceKey key) => _resources.GetValueOrDefault(key);

    public Task WaitForAsync(Func<TestSubscriber, bool> condition, TimeSpan timeout, string what) =>
        Poll.UntilTrueAsync(() => Task.FromResult(condition(this)), timeout,
            () => $"subscriber never saw {what}; at revision {Revision} with {_resources.Count} resources, status {EndStatus}");

    /// <summary>Waits until the silo ends the stream and returns its status.</summary>
    public async Task<Status> WaitForEndAsync(TimeSpan timeout)
    {
        await WaitForAsync(s => s.EndStatus is not null, timeout, "the end of the stream");
        return EndStatus!.Value;
    }

    public async Task SendAsync(SubscribeRequest request)
    {
        await _sendLock.WaitAsync();
        try
        {
            await _call.RequestStream.WriteAsync(request, _stop.Token);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token))
            {
                var response = _call.ResponseStream.Current;
                if (response.MessageCase == SubscribeResponse.MessageOneofCase.Resources)
                {
                    await ApplyAsync(response.Resources);
                }

                await _responses.Writer.WriteAsync(response);
            }

            EndStatus = Status.DefaultSuccess;
        }
        catch (RpcException ex)
        {
            EndStatus = ex.Status;
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or InvalidOperationException)
        {
        }
        finally
        {
            _responses.Writer.TryComplete();
        }
    }

    private async Task ApplyAsync(Resources response)
    {
        BytesReceived += response.CalculateSize();
        foreach (var removed in response.RemovedResources)
        {
            if (WireResources.TryParseKey(removed, out var key))
            {
                _resources.TryRemove(key, out _);
            }
        }

        foreach (var resource in response.Resources_)
        {
            var decoded = WireResources.FromWire(resource);
            _resources[decoded.Key] = decoded;
        }

        if (InitialResponses == 0)
        {
            InitialResponses = 1;
        }
        else
        {
            Updates++;
        }

        if (NackNextWith is { } error && (NackOnlyIf is null || NackOnlyIf(response)))
        {
            NackNextWith = null;
            await SendAsync(new SubscribeRequest { Nack = new Nack { Nonce = response.Nonce, ErrorDetail = error } });
        }
        else
        {
            Revision = long.Parse(response.SystemVersionInfo, System.Globalization.CultureInfo.InvariantCulture);
            await SendAsync(new SubscribeRequest { Ack = new Ack { Nonce = response.Nonce } });
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _call.RequestStream.CompleteAsync().WaitAsync(timeout.Token);
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or InvalidOperationException or IOException)
        {
        }

        await _stop.CancelAsync();
        if (_receive is not null)
        {
            await _receive;
        }

        _call.Dispose();
        _channel.Dispose();
    }
}
