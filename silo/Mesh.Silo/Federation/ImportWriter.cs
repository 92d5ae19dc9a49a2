using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Federation;

/// <summary>
/// Keeps the <c>ImportedService</c> resources of one peer equal to the last snapshot it sent: one transaction per
/// snapshot, writing only what changed, so a peer re-sending the same exports after a reconnect moves nothing and
/// sidecars see no flapping.
/// </summary>
internal sealed class ImportWriter(IMeshStore store, ResourceWriter writer)
{
    public const string PeerLabel = "mesh.dev/peer";

    /// <returns>How many services are imported from the peer now.</returns>
    public async Task<int> ApplyAsync(string peer, string trustDomain, ExportSnapshot snapshot, CancellationToken cancellationToken)
    {
        var existing = await ListAsync(peer, cancellationToken);
        // What the probes found about the gateway stays as it is until they find otherwise.
        var unreachable = existing.Values.Any(r => MeshJson.FromElement<ImportedServiceSpec>(r.Spec)?.GatewayUnreachable == true);
        var desired = new Dictionary<ResourceKey, MeshResource>();
        foreach (var service in snapshot.Services)
        {
            var spec = new ImportedServiceSpec
            {
                Peer = peer,
                Service = service.Name,
                ServiceAccount = service.ServiceAccount.Length == 0 ? null : service.ServiceAccount,
                TrustDomain = trustDomain,
                GatewayAddress = snapshot.GatewayAddress,
                GatewayPort = snapshot.GatewayPort,
                GatewayUnreachable = unreachable,
                Ports = [.. service.Ports.Select(p => new ServicePort { Name = p.Name, Port = p.Port, Protocol = p.Protocol })],
                Localities = [.. service.Localities.Select(l => new ImportedLocality
                {
                    Region = l.Region,
                    Zone = l.Zone,
                    Subzone = l.Subzone,
                    Healthy = l.Healthy,
                    Total = l.Total,
                    Labels = new Dictionary<string, string>(l.Labels, StringComparer.Ordinal),
                })],
            };
            var resource = new MeshResource
            {
                ApiVersion = ResourceKinds.MeshApiVersion,
                Kind = ResourceKinds.ImportedService,
                Metadata = new ResourceMetadata
                {
                    Name = ImportedServiceSpec.NameFor(peer, service.Name),
                    Namespace = service.Namespace,
                    Labels = new Dictionary<string, string> { [PeerLabel] = peer },
                },
                Spec = MeshJson.ToElement(spec),
            };
            desired[resource.Key] = resource;
        }

        var writes = new List<ResourceWrite>();
        foreach (var (key, resource) in desired)
        {
            if (!existing.TryGetValue(key, out var current) || current.Spec.GetRawText() != resource.Spec.GetRawText())
            {
                writes.Add(ResourceWrite.Upsert(resource));
            }
        }

        writes.AddRange(existing.Keys.Where(k => !desired.ContainsKey(k)).Select(k => ResourceWrite.Delete(k)));
        if (writes.Count > 0)
        {
            await writer.WriteAsync(writes, cancellationToken);
        }

        return desired.Count;
    }

    /// <summary>Marks every import of the peer as behind a reachable gateway or not; returns how many changed.</summary>
    public async Task<int> SetGatewayReachableAsync(string peer, bool reachable, CancellationToken cancellationToken)
    {
        var writes = new List<ResourceWrite>();
        foreach (var resource in (await ListAsync(peer, cancellationToken)).Values)
        {
            if (MeshJson.FromElement<ImportedServiceSpec>(resource.Spec) is { } spec && spec.GatewayUnreachable == reachable)
            {
                writes.Add(ResourceWrite.Upsert(resource with { Spec = MeshJson.ToElement(spec with { GatewayUnreachable = !reachable }) }));
            }
        }

        if (writes.Count > 0)
        {
            await writer.WriteAsync(writes, cancellationToken);
        }

        return writes.Count;
    }

    /// <summary>Removes every import of the peer (its peering expired or was deleted).</summary>
    public async Task<int> WithdrawAsync(string peer, CancellationToken cancellationToken)
    {
        var existing = await ListAsync(peer, cancellationToken);
        if (existing.Count > 0)
        {
            await writer.WriteAsync([.. existing.Keys.Select(k => ResourceWrite.Delete(k))], cancellationToken);
        }

        return existing.Count;
    }

    public async Task<Dictionary<ResourceKey, MeshResource>> ListAsync(string peer, CancellationToken cancellationToken) =>
        (await store.ListAsync(new ResourceQuery(ResourceKinds.ImportedService) { Labels = new Dictionary<string, string> { [PeerLabel] = peer } }, cancellationToken))
            .Select(s => s.Resource)
            .ToDictionary(r => r.Key);
}
