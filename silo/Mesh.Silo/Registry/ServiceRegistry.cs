using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Grains.Registry;
using Mesh.Silo.Api;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Registry;

/// <summary>
/// The registry's API-facing side: validates what callers send, then hands each write to the grain that owns the
/// service (<see cref="IServiceRegistryGrain"/>); reads come from the store. Services and endpoints are stored as
/// <c>Service</c> and <c>Endpoint</c> resources, so they flow through the same log as everything else.
/// </summary>
internal sealed class ServiceRegistry(
    IMeshStore store, IOutlierReportStore outliers, IGrainFactory grains, OwnerCalls calls, SiloOptions options, TimeProvider timeProvider)
    : IServiceRegistry, IEndpointHealth
{
    public async Task<MeshResource> UpsertServiceAsync(MeshResource service, bool createOnly, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        InputValidation.CheckEnvelope(service, ResourceKinds.Service, "mesh.dev", ["v1"], errors);
        if (errors.Count == 0)
        {
            InputValidation.CheckServiceSpec(Spec<ServiceSpec>(service.Spec, "spec"), errors);
        }

        InputValidation.Throw(errors);
        var result = await calls.SendAsync(() => Owner(service.Key.Namespace, service.Metadata.Name).WriteServiceAsync(service, createOnly, cancellationToken), cancellationToken);
        return result.Stored(service.Key);
    }

    public async Task<bool> DeleteServiceAsync(string @namespace, string name, long? expectedVersion, CancellationToken cancellationToken)
    {
        var result = await calls.SendAsync(() => Owner(@namespace, name).DeleteServiceAsync(expectedVersion, cancellationToken), cancellationToken);
        return result.Accepted(new ResourceKey(ResourceKinds.Service, @namespace, name));
    }

    public async Task<EndpointView> RegisterEndpointAsync(string @namespace, EndpointRegistration registration, bool createOnly, CancellationToken cancellationToken)
    {
        var errors = new List<FieldError>();
        InputValidation.CheckNamespace(@namespace, errors, "namespace");
        InputValidation.CheckRegistration(registration, options.MaxEndpointTtlSeconds, errors);
        InputValidation.Throw(errors);

        var spec = new EndpointSpec
        {
            Service = registration.Service,
            Address = registration.Address,
            Port = registration.Port,
            Weight = registration.Weight ?? 1,
            Health = registration.Health ?? EndpointHealth.Healthy,
            RegisteredBy = registration.RegisteredBy,
            SidecarPort = registration.SidecarPort,
        };
        var resource = new MeshResource
        {
            ApiVersion = ResourceKinds.MeshApiVersion,
            Kind = ResourceKinds.Endpoint,
            Metadata = new ResourceMetadata
            {
                Name = EndpointSpec.NameFor(spec.Service, spec.Address, spec.Port),
                Namespace = @namespace,
                Labels = registration.Labels,
            },
            Spec = MeshJson.ToElement(spec),
        };
        var ttl = registration.TtlSeconds ?? options.DefaultEndpointTtlSeconds;
        DateTimeOffset? lease = ttl > 0 ? timeProvider.GetUtcNow().AddSeconds(ttl) : null;
        var result = await calls.SendAsync(() => Owner(@namespace, spec.Service).RegisterEndpointAsync(resource, lease, createOnly, cancellationToken), cancellationToken);
        return ToView(result.Stored(resource.Key), lease);
    }

    /// <summary>
    /// A renewal moves only the lease column: no revision, nothing pushed, no resource changed. So it needs no owner
    /// and is one statement for any number of endpoints; the endpoints' health partitions expire what is not renewed.
    /// </summary>
    public async Task<IReadOnlyList<string>> RenewLeasesAsync(string @namespace, IReadOnlyList<string> endpointNames, TimeSpan ttl, CancellationToken cancellationToken)
    {
        var keys = endpointNames.Select(name => new ResourceKey(ResourceKinds.Endpoint, @namespace, name)).ToList();
        var missing = await store.RenewLeasesAsync(keys, timeProvider.GetUtcNow() + ttl, cancellationToken);
        return missing.Select(k => k.Name).ToList();
    }

    public async Task<bool> DeregisterEndpointAsync(string @namespace, string endpointName, long? expectedVersion, CancellationToken cancellationToken)
    {
        if (EndpointSpec.ServiceOfName(endpointName) is not { } service)
        {
            return false;
        }

        var result = await calls.SendAsync(() => Owner(@namespace, service).DeregisterEndpointAsync(endpointName, expectedVersion, cancellationToken), cancellationToken);
        return result.Accepted(new ResourceKey(ResourceKinds.Endpoint, @namespace, endpointName));
    }

    public Task<IReadOnlyList<EndpointView>> ListEndpointsAsync(string? @namespace, string? service, CancellationToken cancellationToken) =>
        ListEndpointsAsync(new ResourceQuery(ResourceKinds.Endpoint) { Namespace = @namespace, Service = service }, cancellationToken);

    /// <summary>The endpoints a query selects (a page of them when it has a limit), with the sidecars' ejections.</summary>
    public async Task<IReadOnlyList<EndpointView>> ListEndpointsAsync(ResourceQuery query, CancellationToken cancellationToken)
    {
        var stored = await store.ListAsync(query, cancellationToken);
        var reports = (await outliers.ListOutlierReportsAsync(query.Namespace, null, cancellationToken))
            .ToLookup(r => (r.Namespace, r.Endpoint));
        return stored
            .Select(s => WithReports(ToView(s.Resource, s.LeaseExpiresAt), reports[(s.Resource.Key.Namespace, s.Resource.Metadata.Name)]))
            .ToList();
    }

    public async Task<EndpointView?> GetEndpointAsync(string @namespace, string name, CancellationToken cancellationToken)
    {
        var stored = await store.GetAsync(new ResourceKey(ResourceKinds.Endpoint, @namespace, name), cancellationToken);
        return stored is null ? null : WithReports(ToView(stored.Resource, stored.LeaseExpiresAt), await outliers.ListOutlierReportsAsync(@namespace, name, cancellationToken));
    }

    /// <summary>Sidecars' ejections ride along for operators; they never change <see cref="EndpointView.Health"/>.</summary>
    private static EndpointView WithReports(EndpointView view, IEnumerable<OutlierReport> reports)
    {
        var list = reports.ToList();
        return list.Count == 0 ? view : view with { OutlierReports = list };
    }

    public async Task<bool> ReportAsync(string @namespace, string endpointName, EndpointHealth health, CancellationToken cancellationToken)
    {
        if (EndpointSpec.ServiceOfName(endpointName) is not { } service)
        {
            return false;
        }

        var result = await calls.SendAsync(() => Owner(@namespace, service).SetEndpointHealthAsync(endpointName, health, cancellationToken), cancellationToken);
        return result.Accepted(new ResourceKey(ResourceKinds.Endpoint, @namespace, endpointName));
    }

    private IServiceRegistryGrain Owner(string @namespace, string service) =>
        grains.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For(@namespace, service));

    public static EndpointView ToView(MeshResource resource, DateTimeOffset? lease)
    {
        var spec = MeshJson.FromElement<EndpointSpec>(resource.Spec) ?? new EndpointSpec();
        return new EndpointView
        {
            Namespace = resource.Key.Namespace,
            Name = resource.Metadata.Name,
            Service = spec.Service,
            Address = spec.Address,
            Port = spec.Port,
            Weight = spec.Weight,
            Health = spec.Health,
            RegisteredBy = spec.RegisteredBy,
            SidecarPort = spec.SidecarPort,
            Labels = resource.Metadata.Labels ?? new Dictionary<string, string>(),
            ResourceVersion = resource.Version,
            LeaseExpiresAt = lease,
        };
    }

    /// <summary>Reads a spec as a typed record, reporting a type mismatch as a field error rather than a 500.</summary>
    public static T? Spec<T>(System.Text.Json.JsonElement spec, string field)
    {
        try
        {
            return MeshJson.FromElement<T>(spec);
        }
        catch (System.Text.Json.JsonException ex)
        {
            var path = ex.Path is { Length: > 1 } p ? field + p[1..] : field;
            throw new ApiValidationException(path, $"has the wrong type: {ex.Message.Split(". Path:")[0]}");
        }
    }
}
