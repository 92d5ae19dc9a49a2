using System.Collections.Concurrent;

namespace Mesh.Silo.Subscriptions;

/// <summary>The subscribers connected to this silo. A reconnect under the same id replaces the older session.</summary>
internal sealed class SubscriberRegistry
{
    private readonly ConcurrentDictionary<string, SubscriptionSession> _sessions = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _departed = new();

    public int Count => _sessions.Count;

    public IEnumerable<SubscriptionSession> Sessions => _sessions.Values;

    /// <summary>Set when the silo is shutting down: sessions that arrive from then on are told to reconnect elsewhere.</summary>
    public string? DrainReason { get; private set; }

    /// <summary>Sends every subscriber a reconnect frame and ends its session.</summary>
    public Task DrainAsync(string reason, CancellationToken cancellationToken)
    {
        DrainReason = reason;
        return Task.WhenAll(_sessions.Values.Select(s => s.ReconnectAsync(reason, cancellationToken)));
    }

    public void Add(SubscriptionSession session)
    {
        SubscriptionSession? previous = null;
        _sessions.AddOrUpdate(session.Id, session, (_, existing) =>
        {
            previous = existing;
            return session;
        });
        previous?.Replace();
    }

    public void Remove(SubscriptionSession session)
    {
        if (_sessions.TryRemove(new KeyValuePair<string, SubscriptionSession>(session.Id, session)))
        {
            _departed.Enqueue(session.Id);
        }
    }

    /// <summary>Ids of sessions that ended since the last call.</summary>
    public List<string> TakeDeparted()
    {
        var ids = new List<string>();
        while (_departed.TryDequeue(out var id))
        {
            if (!_sessions.ContainsKey(id))
            {
                ids.Add(id);
            }
        }

        return ids;
    }
}
