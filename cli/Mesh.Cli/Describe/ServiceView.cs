using Mesh.Contracts.Cluster;
using Mesh.Cli.Client;
using Mesh.Cli.Kinds;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Cli.Describe;

/// <summary>Everything the silo knows about one service: what sidecars are sent for it.</summary>
internal sealed record ServiceView(
    MeshResource Service,
    ServiceHost Host,
    IReadOnlyList<EndpointView> Endpoints,
    IReadOnlyList<(MeshResource Resource, VirtualServiceSpec Spec)> VirtualServices,
    IReadOnlyList<(MeshResource Resource, DestinationRuleSpec Spec)> DestinationRules,
    IReadOnlyList<SubscriberStatus> Subscribers,
    ServiceOwner? Owner)
{
    /// <summary>The newest revision of anything shown: a sidecar that acknowledged it sees all of this.</summary>
    public long Revision => new[] { Service.Version }
        .Concat(Endpoints.Select(e => e.ResourceVersion))
        .Concat(VirtualServices.Select(v => v.Resource.Version))
        .Concat(DestinationRules.Select(d => d.Resource.Version))
        .Max();

    public static async Task<ServiceView> LoadAsync(SiloClient client, string name, string ns, CancellationToken ct)
    {
        var service = await client.GetAsync<MeshResource>(KindCatalog.Find("service").ItemPath(ns, name), ct);
        var host = new ServiceHost(name, ns);
        var endpoints = await client.GetAsync<List<EndpointView>>($"/api/v1/endpoints?namespace={KindInfo.Escape(ns)}&service={KindInfo.Escape(name)}", ct);
        var virtualServices = (await client.GetAsync<List<MeshResource>>(KindCatalog.Find("vs").ListPath(null), ct))
            .Select(r => (Resource: r, Spec: MeshJson.FromElement<VirtualServiceSpec>(r.Spec) ?? new VirtualServiceSpec()))
            .Where(v => Routes(v.Spec, v.Resource.Key.Namespace, host))
            .OrderBy(v => v.Resource.Version)
            .ToList();
        var rules = (await client.GetAsync<List<MeshResource>>(KindCatalog.Find("dr").ListPath(null), ct))
            .Select(r => (Resource: r, Spec: MeshJson.FromElement<DestinationRuleSpec>(r.Spec) ?? new DestinationRuleSpec()))
            .Where(d => host.IsNamedBy(d.Spec.Host, d.Resource.Key.Namespace))
            .OrderBy(d => d.Resource.Version)
            .ToList();
        var subscribers = (await client.GetAsync<List<SubscriberStatus>>("/api/v1/subscribers", ct))
            .Where(s => Holds(s, host))
            .OrderBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        // A silo older than the owning grains has no such path: the line is left out.
        var owner = await client.FindAsync<ServiceOwner>(KindCatalog.Find("service").ItemPath(ns, name) + "/owner", ct);
        return new ServiceView(service, host, endpoints, virtualServices, rules, subscribers, owner);
    }

    /// <summary>A VirtualService matters when it names the service as a host or sends traffic to it.</summary>
    private static bool Routes(VirtualServiceSpec spec, string ns, ServiceHost host) =>
        (spec.Hosts ?? []).Any(h => host.IsNamedBy(h, ns)) ||
        (spec.Http ?? []).Any(r => (r.Route ?? []).Any(d => host.IsNamedBy(d.Destination?.Host, ns)));

    /// <summary>Without declared dependencies a sidecar receives everything (Istio's default Sidecar scope).</summary>
    private static bool Holds(SubscriberStatus subscriber, ServiceHost host) =>
        subscriber.Node.Dependencies is not { } dependencies || dependencies.Any(d =>
        {
            var slash = d.IndexOf('/', StringComparison.Ordinal);
            var nsPart = slash < 0 ? "*" : d[..slash];
            var hostPart = slash < 0 ? d : d[(slash + 1)..];
            var ns = nsPart is "*" or "." or "~" ? subscriber.Node.Namespace : nsPart;
            return nsPart != "~" && host.IsCoveredBy(hostPart, ns);
        });
}

/// <summary>The silo holding the service's registry grain, through which every write of it and its endpoints goes.</summary>
internal sealed record ServiceOwner(string Silo, DateTimeOffset ActivatedAt);
