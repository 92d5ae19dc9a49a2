using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Tests.Infrastructure;

/// <summary>Builders and admin-API shortcuts for the resources tests write.</summary>
internal static class TestResources
{
    public static MeshResource Service(string name, int port = 9080, string ns = "default") => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = name, Namespace = ns },
        Spec = MeshJson.ToElement(new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = port }] }),
    };

    public static MeshResource VirtualService(string name, string host, string ns = "default", long? resourceVersion = null) => new()
    {
        ApiVersion = "networking.istio.io/v1",
        Kind = ResourceKinds.VirtualService,
        Metadata = new ResourceMetadata { Name = name, Namespace = ns, ResourceVersion = resourceVersion },
        Spec = JsonSerializer.SerializeToElement(new { hosts = new[] { host }, http = new[] { new { route = new[] { new { destination = new { host } } } } } }),
    };

    public static ResourceKey ServiceKey(string name, string ns = "default") => new(ResourceKinds.Service, ns, name);

    public static ResourceKey EndpointKey(string service, string address, int port, string ns = "default") =>
        new(ResourceKinds.Endpoint, ns, EndpointSpec.NameFor(service, address, port));

    public static async Task<MeshResource> PutServiceAsync(this HttpClient admin, MeshResource service)
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/namespaces/{service.Key.Namespace}/services/{service.Metadata.Name}", service, MeshJson.Options);
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync<MeshResource>(MeshJson.Options))!;
    }

    public static async Task<MeshResource> PutResourceAsync(this HttpClient admin, MeshResource resource)
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/namespaces/{resource.Key.Namespace}/resources/{resource.Kind}/{resource.Metadata.Name}", resource, MeshJson.Options);
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync<MeshResource>(MeshJson.Options))!;
    }

    public static async Task<EndpointView> RegisterAsync(this HttpClient admin, EndpointRegistration registration, string ns = "default")
    {
        using var response = await admin.PutAsJsonAsync($"/api/v1/namespaces/{ns}/endpoints", registration, MeshJson.Options);
        await EnsureAsync(response);
        return (await response.Content.ReadFromJsonAsync<EndpointView>(MeshJson.Options))!;
    }

    private static async Task EnsureAsync(HttpResponseMessage response)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }
    }
}
