using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Bench.Push;

/// <summary>
/// Opens N real WebSocket subscribers, then times each admin write until every subscriber holds the new revision.
/// Latency per subscriber = receive time of the delta carrying the write's revision minus the time the write was sent.
/// </summary>
internal static class PushBench
{
    public static async Task<string> RunAsync(SiloHost silo, int count, int rounds)
    {
        var clients = new PushClient[count];
        for (var i = 0; i < count; i += 200)
        {
            await Task.WhenAll(Enumerable.Range(i, Math.Min(200, count - i)).Select(async j => clients[j] = await PushClient.ConnectAsync(silo.Port, $"bench-{count}-{j}")));
        }

        await Task.WhenAll(clients.Select(c => c.Snapshot));
        var p99s = new List<double>();
        var alls = new List<double>();
        var p50s = new List<double>();
        // Two unmeasured writes first: steady state, not tier-0 JIT code, is what the bar is about.
        for (var round = -2; round < rounds; round++)
        {
            var started = Stopwatch.GetTimestamp();
            var service = new MeshResource
            {
                ApiVersion = ResourceKinds.MeshApiVersion,
                Kind = ResourceKinds.Service,
                Metadata = new ResourceMetadata { Name = $"push-{count}-{round}", Namespace = "bench" },
                Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] }),
            };
            using var response = await silo.Admin.PutAsJsonAsync($"/api/v1/namespaces/bench/services/{service.Metadata.Name}", service, MeshJson.Options);
            response.EnsureSuccessStatusCode();
            var revision = (await response.Content.ReadFromJsonAsync<MeshResource>(MeshJson.Options))!.Version;
            var latencies = await Task.WhenAll(clients.Select(c => c.WaitForRevisionAsync(revision, started)));
            Array.Sort(latencies);
            if (round < 0)
            {
                continue;
            }

            p50s.Add(latencies[latencies.Length / 2]);
            p99s.Add(latencies[(int)Math.Ceiling(latencies.Length * 0.99) - 1]);
            alls.Add(latencies[^1]);
        }

        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }

        return $"push to {count} subscribers ({rounds} writes): median over writes of p50 {Median(p50s):F1} ms, p99 {Median(p99s):F1} ms, all {Median(alls):F1} ms; worst write p99 {p99s.Max():F1} ms";
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted[sorted.Count / 2];
    }
}

/// <summary>One subscriber: records when each revision arrived.</summary>
internal sealed class PushClient : IAsyncDisposable
{
    private readonly ClientWebSocket _socket = new();
    private readonly TaskCompletionSource _snapshot = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<long, long> _arrivals = [];
    private readonly Lock _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _loop = Task.CompletedTask;

    public Task Snapshot => _snapshot.Task;

    public string Id { get; private init; } = "";

    /// <summary>False once the silo closed the stream.</summary>
    public bool IsOpen => !_loop.IsCompleted;

    public static async Task<PushClient> ConnectAsync(int port, string id, IReadOnlyList<string>? dependencies = null)
    {
        var client = new PushClient { Id = id };
        client._socket.Options.KeepAliveInterval = TimeSpan.Zero;
        await client._socket.ConnectAsync(new Uri($"ws://127.0.0.1:{port}/api/v1/subscribe"), CancellationToken.None);
        var node = new NodeInfo { Id = id, Namespace = "bench", Dependencies = dependencies };
        var hello = JsonSerializer.SerializeToUtf8Bytes<SubscriptionFrame>(new HelloFrame(node, 0), MeshJson.Options);
        await client._socket.SendAsync(hello, WebSocketMessageType.Text, true, CancellationToken.None);
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
        var buffer = new byte[1 << 16];
        using var message = new MemoryStream();
        try
        {
            while (true)
            {
                message.SetLength(0);
                WebSocketReceiveResult result;
                do
                {
                    result = await _socket.ReceiveAsync(buffer, CancellationToken.None);
                    if (result.MessageType == WebSocketMessageType.Close)
                    {
                        return;
                    }

                    message.Write(buffer, 0, result.Count);
                }
                while (!result.EndOfMessage);

                var at = Stopwatch.GetTimestamp();
                // A load generator only needs the frame's type and revision, which come first in every frame.
                var (type, revision) = ReadHeader(message.GetBuffer().AsSpan(0, (int)message.Length));
                if (type == "heartbeat")
                {
                    // A real subscriber answers liveness; without it the silo rightly drops idle subscribers.
                    await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes<SubscriptionFrame>(new HeartbeatFrame(revision ?? 0), MeshJson.Options), WebSocketMessageType.Text, true, CancellationToken.None);
                    continue;
                }

                if (type is not ("snapshot" or "delta"))
                {
                    revision = null;
                }
                if (revision is { } rev)
                {
                    TaskCompletionSource previous;
                    lock (_gate)
                    {
                        _arrivals[rev] = at;
                        previous = _changed;
                        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
                    }

                    previous.TrySetResult();
                    _snapshot.TrySetResult();
                    await _socket.SendAsync(JsonSerializer.SerializeToUtf8Bytes<SubscriptionFrame>(new AckFrame(rev), MeshJson.Options), WebSocketMessageType.Text, true, CancellationToken.None);
                }
            }
        }
        catch (WebSocketException)
        {
        }
    }

    private static (string? Type, long? Revision) ReadHeader(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json);
        string? type = null;
        long? revision = null;
        while ((type is null || revision is null) && reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1)
            {
                if (reader.ValueTextEquals("type"u8) && reader.Read())
                {
                    type = reader.GetString();
                }
                else if (reader.ValueTextEquals("revision"u8) && reader.Read() && reader.TokenType == JsonTokenType.Number)
                {
                    revision = reader.GetInt64();
                }
            }
        }

        return (type, revision);
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, "done", CancellationToken.None);
        }
        catch (WebSocketException)
        {
        }

        await _loop.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        _socket.Dispose();
    }
}
