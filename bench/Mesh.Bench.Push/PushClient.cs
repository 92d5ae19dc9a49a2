using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;

namespace Mesh.Bench.Push;

/// <summary>
/// One gRPC subscriber with its own connection, as each sidecar has: records when each silo position (the
/// informational system_version_info) arrived and ACKs every response, like a real client.
/// </summary>
internal sealed class PushClient : IAsyncDisposable
{
    private readonly TaskCompletionSource _firstResponse = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<long, long> _arrivals = [];
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private GrpcChannel _channel = null!;
    private AsyncDuplexStreamingCall<SubscribeRequest, SubscribeResponse> _call = null!;
    private Task _loop = Task.CompletedTask;

    public Task FirstResponse => _firstResponse.Task;

    public string Id { get; private init; } = "";

    /// <summary>False once the silo ended the stream.</summary>
    public bool IsOpen => !_loop.IsCompleted;

    /// <summary>Serialized size of every response received.</summary>
    public long BytesReceived { get; private set; }

    public static async Task<PushClient> ConnectAsync(int port, string id, IReadOnlyList<string>? dependencies = null)
    {
        var client = new PushClient { Id = id };
        client._channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}", new GrpcChannelOptions { MaxReceiveMessageSize = null });
        client._call = new MeshDiscovery.MeshDiscoveryClient(client._channel).Subscribe(cancellationToken: client._stop.Token);
        var node = new NodeInfo { Id = id, Namespace = "bench", Dependencies = dependencies };
        await client._call.RequestStream.WriteAsync(new SubscribeRequest { Subscribe = new Subscribe { Node = WireResources.ToWire(node) } });
        client._loop = Task.Run(client.ReceiveAsync);
        return client;
    }

    public async Task<double> WaitForRevisionAsync(long revision, long startedTimestamp)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 30;
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                foreach (var (received, at) in _arrivals)
                {
                    if (received >= revision)
                    {
                        return Stopwatch.GetElapsedTime(startedTimestamp, at).TotalMilliseconds;
                    }
                }

                changed = _changed.Task;
            }

            if (Stopwatch.GetTimestamp() > deadline)
            {
                throw new TimeoutException($"revision {revision} never arrived");
            }

            await changed.WaitAsync(TimeSpan.FromSeconds(1)).ContinueWith(_ => { });
        }
    }

    private async Task ReceiveAsync()
    {
        try
        {
            while (await _call.ResponseStream.MoveNext(_stop.Token))
            {
                var at = Stopwatch.GetTimestamp();
                if (_call.ResponseStream.Current.Resources is not { } response)
                {
                    continue;
                }

                BytesReceived += response.CalculateSize();
                var revision = long.Parse(response.SystemVersionInfo, CultureInfo.InvariantCulture);
                TaskCompletionSource previous;
                lock (_gate)
                {
                    _arrivals[revision] = at;
                    previous = _changed;
                    _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                }

                previous.TrySetResult();
                _firstResponse.TrySetResult();
                await _call.RequestStream.WriteAsync(new SubscribeRequest { Ack = new Ack { Nonce = response.Nonce } });
            }
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException or IOException)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _call.RequestStream.CompleteAsync();
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException or IOException)
        {
        }

        await _stop.CancelAsync();
        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _call.Dispose();
        _channel.Dispose();
    }
}
