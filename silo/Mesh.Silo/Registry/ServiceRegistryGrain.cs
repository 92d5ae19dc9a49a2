using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Grains.Health;
using Mesh.Grains.Registry;
using Mesh.Grains.Resources;
using Mesh.Silo.Cache;
using Mesh.Silo.Health;
using Mesh.Storage.Abstractions;
using Orleans.Concurrency;

namespace Mesh.Silo.Registry;

/// <summary>
/// The single writer of one service and its endpoints (see <see cref="IServiceRegistryGrain"/>). Reentrant: its writes
/// are ordered by the store's revision lock and checked against resource versions there, so a registration must not
/// wait behind another's database round trip (a rollout registers many endpoints of one service at once, and the
/// store's group commit puts them into one transaction).
/// </summary>
[Reentrant]
internal sealed class ServiceRegistryGrain(IMeshStore store, ResourceWriter writer, IGrainFactory grains, SiloOptions options, TimeProvider timeProvider)
    : Grain, IServiceRegistryGrain
{
    // Per health partition, the earliest lease expiry this activation told it about.
    private readonly Dictionary<int, DateTimeOffset> _toldPartitions = [];
    private readonly OwnerPlacement _placement = new(options.SiloId, timeProvider.GetUtcNow());

    private string Namespace { get; set; } = "";

    private string Service { get; set; } = "";

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        // The key never changes; read it once rather than on every call.
        (Namespace, Service) = ServiceRegistryKey.Parse(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    public Task<ResourceWriteResult> WriteServiceAsync(MeshResource service, bool createOnly, CancellationToken cancellationToken = default)
    {
        EnsureOwned(service.Key.Namespace, service.Metadata.Name);
        var write = createOnly ? ResourceWrite.Create(service) : ResourceWrite.Upsert(service, service.Metadata.ResourceVersion);
        return OwnedWrites.RunAsync(() => OwnedWrites.UpsertAsync(writer, store, write, cancellationToken));
    }

    public Task<ResourceWriteResult> DeleteServiceAsync(long? expectedVersion, CancellationToken cancellationToken = default) =>
        OwnedWrites.RunAsync(() => OwnedWrites.DeleteAsync(writer, new ResourceKey(ResourceKinds.Service, Namespace, Service), expectedVersion, cancellationToken));

    public Task<ResourceWriteResult> RegisterEndpointAsync(MeshResource endpoint, DateTimeOffset? leaseExpiresAt, bool createOnly, CancellationToken cancellationToken = default)
    {
        EnsureOwned(endpoint.Key.Namespace, EndpointSpec.ServiceOfName(endpoint.Metadata.Name));
        var write = createOnly ? ResourceWrite.Create(endpoint, leaseExpiresAt) : ResourceWrite.Upsert(endpoint, null, leaseExpiresAt);
        return OwnedWrites.RunAsync(async () =>
        {
            var result = await OwnedWrites.UpsertAsync(writer, store, write, cancellationToken);
            if (leaseExpiresAt is { } expiresAt && result.Status == ResourceWriteStatus.Written)
            {
                TellPartition(ShardHash.Of(Namespace, endpoint.Metadata.Name, options.Health.Shards), expiresAt);
            }

            return result;
        });
    }

    public Task<ResourceWriteResult> DeregisterEndpointAsync(string name, long? expectedVersion, CancellationToken cancellationToken = default)
    {
        EnsureOwned(Namespace, EndpointSpec.ServiceOfName(name));
        return OwnedWrites.RunAsync(() => OwnedWrites.DeleteAsync(writer, new ResourceKey(ResourceKinds.Endpoint, Namespace, name), expectedVersion, cancellationToken));
    }

    public Task<ResourceWriteResult> SetEndpointHealthAsync(string name, EndpointHealth health, CancellationToken cancellationToken = default)
    {
        EnsureOwned(Namespace, EndpointSpec.ServiceOfName(name));
        return OwnedWrites.RunAsync(async () =>
        {
            var key = new ResourceKey(ResourceKinds.Endpoint, Namespace, name);
            // A probe verdict (written by the endpoint's health partition) may land between the read and the write;
            // retry on the version conflict rather than fail the operator's report.
            for (var attempt = 0; ; attempt++)
            {
                if (await store.GetAsync(key, cancellationToken) is not { } stored)
                {
                    return ResourceWriteResult.NotFound;
                }

                var spec = MeshJson.FromElement<EndpointSpec>(stored.Resource.Spec)!;
                if (spec.Health == health)
                {
                    return ResourceWriteResult.Written(stored.Resource);
                }

                var updated = stored.Resource with { Spec = MeshJson.ToElement(spec with { Health = health }) };
                try
                {
                    return await OwnedWrites.UpsertAsync(writer, store, ResourceWrite.Upsert(updated, stored.Resource.Version), cancellationToken);
                }
                catch (StoreConflictException) when (attempt < 2)
                {
                }
            }
        });
    }

    public Task<OwnerPlacement> WhereAsync() => Task.FromResult(_placement);

    /// <summary>
    /// The endpoint's health partition expires its lease; tell it when, so it need not poll the store for new leases.
    /// Not when this grain already told it of an earlier expiry that is still to come: the partition sweeps at that
    /// time, after this registration committed, and then re-reads its next expiry from the store, which includes this
    /// one. Leases of one TTL end in registration order, so a service's registrations mostly need no message at all.
    /// </summary>
    private void TellPartition(int partition, DateTimeOffset expiresAt)
    {
        if (_toldPartitions.TryGetValue(partition, out var told) && told <= expiresAt && told > timeProvider.GetUtcNow())
        {
            return;
        }

        _toldPartitions[partition] = expiresAt;
        _ = grains.GetGrain<IHealthPartitionGrain>(partition).LeaseScheduledAsync(expiresAt);
    }

    /// <summary>A call for another service's resource is a bug in the caller: it would bypass that service's owner.</summary>
    private void EnsureOwned(string @namespace, string? service)
    {
        if (@namespace != Namespace || service != Service)
        {
            throw new ArgumentException($"'{@namespace}/{service}' is not owned by the registry grain of '{this.GetPrimaryKeyString()}'");
        }
    }
}
