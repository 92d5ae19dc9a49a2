using System.Runtime.CompilerServices;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Federation;

/// <summary>
/// What this cluster exports to one peer, from the resource cache: every service an <c>ExportedServices</c> resource
/// offers the peer, with its ports, service account, and per locality the number of endpoints and of healthy ones,
/// and the labels they all share. Endpoint addresses never leave the cluster: peers reach them through the gateway.
/// </summary>
internal sealed class ExportBuilder(ResourceCache cache, SiloOptions options)
{
    // Exports are rebuilt after every change the cache sees, for every peer; an endpoint's spec is read once per
    // resource instance rather than on every rebuild (weak keys: replaced resources are collected).
    private readonly ConditionalWeakTable<MeshResource, EndpointSpec?> _endpointSpecs = new();

    public ExportSnapshot Build(string peer)
    {
        var exported = ExportedTo(peer);
        var snapshot = new ExportSnapshot();
        if (GatewayEndpoint.TryParse(options.Federation.GatewayAddress, out var host, out var port))
        {
            snapshot.GatewayAddress = host;
            snapshot.GatewayPort = port;
        }

        if (exported.Count == 0)
        {
            return snapshot;
        }

        // Membership by hash: the sorted set compares strings culture-sensitively, once per endpoint in the mesh.
        var wanted = new HashSet<(string Namespace, string Name)>(exported);
        var endpoints = cache.OfKind(ResourceKinds.Endpoint)
            .Select(r => (Resource: r, Spec: _endpointSpecs.GetValue(r, static r => MeshJson.FromElement<EndpointSpec>(r.Spec))))
            .Where(e => e.Spec is not null && wanted.Contains((e.Resource.Key.Namespace, e.Spec.Service)))
            .ToLookup(e => (e.Resource.Key.Namespace, e.Spec!.Service));
        foreach (var (ns, name) in exported)
        {
            if (cache.Get(new ResourceKey(ResourceKinds.Service, ns, name)) is not { } service
                || MeshJson.FromElement<ServiceSpec>(service.Spec) is not { } serviceSpec)
            {
                continue;
            }

            var entry = new ExportedService { Namespace = ns, Name = name, ServiceAccount = serviceSpec.ServiceAccount ?? "" };
            entry.Ports.AddRange(serviceSpec.Ports.Select(p => new ExportedPort { Name = p.Name, Port = p.Port, Protocol = p.Protocol }));
            entry.Localities.AddRange(Localities(endpoints[(ns, name)].Select(e => (e.Resource.Metadata.Labels, e.Spec!.Health))));
            snapshot.Services.Add(entry);
        }

        return snapshot;
    }

    /// <summary>The services (namespace, name) that <c>ExportedServices</c> resources offer <paramref name="peer"/>.</summary>
    public SortedSet<(string Namespace, string Name)> ExportedTo(string peer)
    {
        var exported = new SortedSet<(string Namespace, string Name)>();
        foreach (var resource in cache.OfKind(ResourceKinds.ExportedServices))
        {
            if (MeshJson.FromElement<ExportedServicesSpec>(resource.Spec) is not { } spec)
            {
                continue;
            }

            foreach (var service in spec.Services.Where(s => s.Consumers.Any(c => c.Includes(peer))))
            {
                exported.Add((resource.Key.Namespace, service.Name));
            }
        }

        return exported;
    }

    private static IEnumerable<ExportedLocality> Localities(IEnumerable<(IReadOnlyDictionary<string, string>? Labels, EndpointHealth Health)> endpoints)
    {
        var groups = endpoints.GroupBy(e => (LocalityLabels.RegionOf(e.Labels) ?? "", LocalityLabels.ZoneOf(e.Labels) ?? "", LocalityLabels.SubzoneOf(e.Labels) ?? ""));
        foreach (var group in groups.OrderBy(g => g.Key))
        {
            var locality = new ExportedLocality
            {
                Region = group.Key.Item1,
                Zone = group.Key.Item2,
                Subzone = group.Key.Item3,
                Total = group.Count(),
                Healthy = group.Count(e => e.Health == EndpointHealth.Healthy),
            };
            foreach (var (key, value) in Shared(group.Select(e => e.Labels)))
            {
                locality.Labels[key] = value;
            }

            yield return locality;
        }
    }

    /// <summary>Labels every endpoint carries with the same value, without the locality ones (sent as fields).</summary>
    private static Dictionary<string, string> Shared(IEnumerable<IReadOnlyDictionary<string, string>?> all)
    {
        Dictionary<string, string>? shared = null;
        foreach (var labels in all)
        {
            if (shared is null)
            {
                shared = (labels ?? new Dictionary<string, string>()).Where(l => !LocalityLabels.IsLocality(l.Key)).ToDictionary(StringComparer.Ordinal);
                continue;
            }

            foreach (var key in shared.Keys.ToList())
            {
                if (labels is null || !labels.TryGetValue(key, out var value) || value != shared[key])
                {
                    shared.Remove(key);
                }
            }
        }

        return shared ?? [];
    }
}

/// <summary>A gateway address as configured, <c>host:port</c>.</summary>
internal static class GatewayEndpoint
{
    public static bool TryParse(string? text, out string host, out int port)
    {
        host = "";
        port = 0;
        var colon = text?.LastIndexOf(':') ?? -1;
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), out port) || port is <= 0 or > 65535)
        {
            return false;
        }

        host = text![..colon].Trim('[', ']');
        return host.Length > 0;
    }
}
