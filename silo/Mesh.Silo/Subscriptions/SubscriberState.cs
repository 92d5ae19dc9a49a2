using Mesh.Contracts.Cluster;
using Mesh.Contracts.Protocol;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Subscriptions;

/// <summary>Live status of one connected subscriber, written by its session and flushed to the store in batches.</summary>
internal sealed class SubscriberState(string siloId, NodeInfo node, DateTimeOffset connectedAt)
{
    private readonly Lock _gate = new();
    private SubscriberStatus _status = new()
    {
        Id = node.Id,
        SiloId = siloId,
        Node = node,
        ConnectedAt = connectedAt,
        LastSeen = connectedAt,
    };

    private bool _dirty = true;

    public string Id => node.Id;

    public void Update(Func<SubscriberStatus, SubscriberStatus> change)
    {
        lock (_gate)
        {
            _status = change(_status);
            _dirty = true;
        }
    }

    public SubscriberStatus Current
    {
        get
        {
            lock (_gate)
            {
                return _status;
            }
        }
    }

    /// <summary>The status if it changed since the last call.</summary>
    public SubscriberStatus? TakeIfDirty()
    {
        lock (_gate)
        {
            if (!_dirty)
            {
                return null;
            }

            _dirty = false;
            return _status;
        }
    }
}
