using Mesh.Contracts.Domains;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Grains.Registry;
using Mesh.Silo.Registry;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>Services and endpoints under <c>/api/v1</c>.</summary>
internal static class RegistryApi
{
    public static void MapRegistryApi(this RouteGroupBuilder api, RouteGroupBuilder writes)
    {
        api.MapGet("/services", (string? @namespace, [AsParameters] ListParameters list, HttpResponse response, PolicyLikeReads reads, CancellationToken ct) =>
            reads.ListAsync(ResourceKinds.Service, @namespace, list, response, ct));
        api.MapGet("/namespaces/{ns}/services", (string ns, [AsParameters] ListParameters list, HttpResponse response, PolicyLikeReads reads, CancellationToken ct) =>
            reads.ListAsync(ResourceKinds.Service, ns, list, response, ct));
        api.MapGet("/namespaces/{ns}/services/{name}", (string ns, string name, PolicyLikeReads reads, CancellationToken ct) =>
            reads.GetAsync(new ResourceKey(ResourceKinds.Service, ns, name), ct));

        api.MapGet("/namespaces/{ns}/services/{name}/owner", async (string ns, string name, IGrainFactory grains) =>
            {
                var placement = await grains.GetGrain<IServiceRegistryGrain>(ServiceRegistryKey.For(ns, name)).WhereAsync();
                return new ServiceOwnerView(ns, name, placement.Silo, placement.ActivatedAt);
            })
            .WithSummary("The silo whose grain writes this service and its endpoints")
            .WithDescription("Orleans keeps one activation of a service's registry grain in the cluster; every write of the service and its endpoints goes through it.");
        writes.MapPost("/namespaces/{ns}/services", async (string ns, HttpRequest request, ServiceRegistry registry, SiloOptions options, CancellationToken ct) =>
        {
            var service = Bind(await RequestBody.ReadJsonAsync<MeshResource>(request, options, ct), ns, null);
            var stored = await registry.UpsertServiceAsync(service, createOnly: true, ct);
            return Results.Created(Location("services", ns, stored.Metadata.Name), stored);
        });
        writes.MapPut("/namespaces/{ns}/services/{name}", async (string ns, string name, HttpRequest request, ServiceRegistry registry, SiloOptions options, CancellationToken ct) =>
        {
            var service = Bind(await RequestBody.ReadJsonAsync<MeshResource>(request, options, ct), ns, name);
            return Results.Ok(await registry.UpsertServiceAsync(service, createOnly: false, ct));
        });
        writes.MapDelete("/namespaces/{ns}/services/{name}", async (string ns, string name, long? resourceVersion, ServiceRegistry registry, CancellationToken ct) =>
            await registry.DeleteServiceAsync(ns, name, resourceVersion, ct) ? Results.NoContent() : NotFound(ResourceKinds.Service, ns, name));

        api.MapGet("/endpoints", (string? @namespace, string? service, [AsParameters] ListParameters list, HttpResponse response, ServiceRegistry registry, CancellationToken ct) =>
            ListEndpointsAsync(registry, @namespace, service, list, response, ct));
        api.MapGet("/namespaces/{ns}/endpoints", (string ns, string? service, [AsParameters] ListParameters list, HttpResponse response, ServiceRegistry registry, CancellationToken ct) =>
            ListEndpointsAsync(registry, ns, service, list, response, ct));
        api.MapGet("/namespaces/{ns}/endpoints/{name}", async (string ns, string name, ServiceRegistry registry, CancellationToken ct) =>
            await registry.GetEndpointAsync(ns, name, ct) is { } view ? Results.Ok(view) : NotFound(ResourceKinds.Endpoint, ns, name));

        api.MapGet("/outliers", (string? @namespace, string? endpoint, IOutlierReportStore outliers, CancellationToken ct) =>
                outliers.ListOutlierReportsAsync(@namespace, endpoint, ct))
            .WithSummary("Endpoints that sidecars' outlier detection currently ejects, one row per reporting sidecar")
            .WithDescription("Passive health: informational only, never changes an endpoint's registry health or pushes configuration.")
            .Produces<IReadOnlyList<OutlierReport>>();

        writes.MapPost("/namespaces/{ns}/endpoints", async (string ns, HttpRequest request, ServiceRegistry registry, SiloOptions options, CancellationToken ct) =>
        {
            var registration = await RequestBody.ReadJsonAsync<EndpointRegistration>(request, options, ct);
            var view = await registry.RegisterEndpointAsync(ns, registration, createOnly: true, ct);
            return Results.Created(Location("endpoints", ns, view.Name), view);
        });
        writes.MapPut("/namespaces/{ns}/endpoints", async (string ns, HttpRequest request, ServiceRegistry registry, SiloOptions options, CancellationToken ct) =>
        {
            var registration = await RequestBody.ReadJsonAsync<EndpointRegistration>(request, options, ct);
            return Results.Ok(await registry.RegisterEndpointAsync(ns, registration, createOnly: false, ct));
        });
        writes.MapPost("/namespaces/{ns}/endpoints/renew", async (string ns, HttpRequest request, ServiceRegistry registry, SiloOptions options, CancellationToken ct) =>
        {
            var renewal = await RequestBody.ReadJsonAsync<LeaseRenewal>(request, options, ct);
            if (renewal.TtlSeconds is < 1 || renewal.TtlSeconds > options.MaxEndpointTtlSeconds)
            {
                throw new ApiValidationException("ttlSeconds", $"{renewal.TtlSeconds} is outside 1..{options.MaxEndpointTtlSeconds}");
            }

            if (renewal.Names is not { Count: > 0 and <= 10_000 })
            {
                throw new ApiValidationException("names", "between 1 and 10000 endpoint names are required");
            }

            var errors = new List<FieldError>();
            for (var i = 0; i < renewal.Names.Count; i++)
            {
                InputValidation.CheckStorable(renewal.Names[i], $"names[{i}]", errors);
            }

            InputValidation.Throw(errors);

            var missing = await registry.RenewLeasesAsync(ns, renewal.Names, TimeSpan.FromSeconds(renewal.TtlSeconds), ct);
            return Results.Ok(new LeaseRenewalResult(missing));
        });
        writes.MapDelete("/namespaces/{ns}/endpoints/{name}", async (string ns, string name, long? resourceVersion, ServiceRegistry registry, CancellationToken ct) =>
            await registry.DeregisterEndpointAsync(ns, name, resourceVersion, ct) ? Results.NoContent() : NotFound(ResourceKinds.Endpoint, ns, name));
        writes.MapPut("/namespaces/{ns}/endpoints/{name}/health", async (string ns, string name, HttpRequest request, ServiceRegistry registry, SiloOptions options, CancellationToken ct) =>
        {
            var report = await RequestBody.ReadJsonAsync<HealthReport>(request, options, ct);
            if (!Enum.IsDefined(report.Health))
            {
                throw new ApiValidationException("health", $"'{report.Health}' is not Healthy, Unhealthy or Unknown");
            }

            return await registry.ReportAsync(ns, name, report.Health, ct) ? Results.NoContent() : NotFound(ResourceKinds.Endpoint, ns, name);
        });
    }

    private static async Task<IReadOnlyList<EndpointView>> ListEndpointsAsync(
        ServiceRegistry registry, string? @namespace, string? service, ListParameters list, HttpResponse response, CancellationToken ct)
    {
        var query = ListPaging.Query(ResourceKinds.Endpoint, @namespace, list) with { Service = service };
        return ListPaging.Page(response, query, await registry.ListEndpointsAsync(query, ct), e => new ResourceKey(ResourceKinds.Endpoint, e.Namespace, e.Name));
    }

    /// <summary>Fills namespace and name from the URL; a body that disagrees with the URL is a 400.</summary>
    public static MeshResource Bind(MeshResource resource, string ns, string? name)
    {
        if (resource.Metadata is null)
        {
            throw new ApiValidationException("metadata", "is required");
        }

        if (resource.Metadata.Namespace is { } bodyNs && bodyNs != ns)
        {
            throw new ApiValidationException("metadata.namespace", $"'{InputValidation.Clip(bodyNs)}' does not match the namespace in the URL ('{ns}')");
        }

        if (name is not null && !string.IsNullOrEmpty(resource.Metadata.Name) && resource.Metadata.Name != name)
        {
            throw new ApiValidationException("metadata.name", $"'{InputValidation.Clip(resource.Metadata.Name)}' does not match the name in the URL ('{name}')");
        }

        return resource with { Metadata = resource.Metadata with { Namespace = ns, Name = name ?? resource.Metadata.Name } };
    }

    public static async Task<IResult> DeleteAsync(Policy.PolicyStore store, ResourceKey key, long? resourceVersion, CancellationToken ct) =>
        await store.DeleteAsync(key, resourceVersion, ct) ? Results.NoContent() : NotFound(key.Kind, key.Namespace, key.Name);

    /// <summary>
    /// The Location of a created object, its segments escaped: a value that slipped past validation must not make the
    /// header invalid and turn a write that happened into a 500.
    /// </summary>
    public static string Location(string collection, string ns, string name) =>
        $"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/{collection}/{Uri.EscapeDataString(name)}";

    public static IResult NotFound(string kind, string ns, string name) =>
        Results.Json(new ErrorResponse($"{kind} '{ns}/{name}' not found", null, null), statusCode: 404);
}

/// <summary>Which silo holds the one activation of a service's registry grain, and since when.</summary>
public sealed record ServiceOwnerView(string Namespace, string Name, string Silo, DateTimeOffset ActivatedAt);

public sealed record LeaseRenewal(IReadOnlyList<string> Names, int TtlSeconds);

public sealed record LeaseRenewalResult(IReadOnlyList<string> Missing);

public sealed record HealthReport(EndpointHealth Health);
