using Google.Protobuf.WellKnownTypes;
using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Tells the silo which registry endpoints this sidecar's outlier detection ejects, and when they return, with
/// <see cref="OutlierReport"/> requests on the subscription stream. Purely informational: routing never waits for it. Each
/// session starts by re-sending every current ejection (the new silo's database row may be gone with the old
/// session) and re-asserts them every <see cref="ReassertInterval"/> so a report dropped by a silo heals.
/// </summary>
internal sealed partial class OutlierReporter(ProxyConfigHolder holder, TimeProvider time, ILogger<OutlierReporter> logger)
{
    internal static readonly TimeSpan ReassertInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(20);

    // What the silos were last told, across sessions, so a return that happened while disconnected is still sent.
    private readonly Dictionary<(string Namespace, string Name), Ejection> _reported = [];
    private TaskCompletionSource _wake = NewSignal();

    /// <summary>An ejection just happened; report it now rather than at the next re-assertion.</summary>
    public void Wake() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>Reports for one session until it is cancelled or a send fails. Sessions run one at a time.</summary>
    public async Task RunAsync(Func<SubscribeRequest, CancellationToken, Task> send, CancellationToken cancellationToken)
    {
        var resendAll = true;
        var lastFullSend = time.GetTimestamp();
        while (!cancellationToken.IsCancellationRequested)
        {
            _ = Interlocked.Exchange(ref _wake, NewSignal());
            var now = time.GetUtcNow();
            var current = Scan(holder.Current, now.UtcTicks);
            foreach (var (key, ejection) in current)
            {
                if (resendAll || !_reported.TryGetValue(key, out var previous) || previous != ejection)
                {
                    await send(Report(key, ejection), cancellationToken);
                    _reported[key] = ejection;
                    Log.Reported(logger, key.Namespace, key.Name, ejection.Reason);
                }
            }

            foreach (var key in _reported.Keys.Where(k => !current.ContainsKey(k)).ToList())
            {
                await send(new SubscribeRequest { Outlier = new OutlierReport { Namespace = key.Namespace, Endpoint = key.Name, Ejected = false } }, cancellationToken);
                _reported.Remove(key);
                Log.Returned(logger, key.Namespace, key.Name);
            }

            if (resendAll)
            {
                lastFullSend = time.GetTimestamp();
            }

            // Wake up when the earliest ejection ends, so its return is reported promptly.
            var wait = ReassertInterval - time.GetElapsedTime(lastFullSend);
            foreach (var ejection in current.Values)
            {
                var left = ejection.Until - now;
                wait = left < wait ? left : wait;
            }

            await Task.WhenAny(Volatile.Read(ref _wake).Task, Task.Delay(wait < MinimumWait ? MinimumWait : wait, time, cancellationToken));
            resendAll = time.GetElapsedTime(lastFullSend) >= ReassertInterval;
        }
    }

    /// <summary>Registry endpoints ejected in any cluster; the latest end of ejection wins.</summary>
    private static Dictionary<(string Namespace, string Name), Ejection> Scan(RuntimeConfig config, long nowTicks)
    {
        var ejected = new Dictionary<(string Namespace, string Name), Ejection>();
        foreach (var cluster in config.Clusters.Values)
        {
            if (cluster.Config.OutlierDetection is null)
            {
                continue;
            }

            foreach (var endpoint in cluster.Endpoints)
            {
                if (endpoint.Config is not { RegistryNamespace: { } ns, RegistryName: { } name } || !endpoint.State.IsEjected(nowTicks))
                {
                    continue;
                }

                var until = new DateTimeOffset(Volatile.Read(ref endpoint.State.EjectedUntilTicks), TimeSpan.Zero);
                var reason = $"{endpoint.State.EjectionReason ?? "outlier detection"} in {cluster.Name}";
                if (!ejected.TryGetValue((ns, name), out var known) || known.Until < until)
                {
                    ejected[(ns, name)] = new Ejection(until, reason);
                }
            }
        }

        return ejected;
    }

    private static SubscribeRequest Report((string Namespace, string Name) key, Ejection ejection) => new()
    {
        Outlier = new OutlierReport
        {
            Namespace = key.Namespace,
            Endpoint = key.Name,
            Ejected = true,
            // The silo refuses reasons over 1024 characters; a long cluster name must not end the stream.
            Reason = ejection.Reason.Length <= 1024 ? ejection.Reason : ejection.Reason[..1024],
            Until = Timestamp.FromDateTimeOffset(ejection.Until),
        },
    };

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private readonly record struct Ejection(DateTimeOffset Until, string Reason);

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Information, "Reported ejection of endpoint {Namespace}/{Name}: {Reason}")]
        public static partial void Reported(ILogger logger, string @namespace, string name, string reason);

        [LoggerMessage(31, LogLevel.Information, "Reported return of endpoint {Namespace}/{Name}")]
        public static partial void Returned(ILogger logger, string @namespace, string name);
    }
}
