using System.Net.Http.Json;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;

namespace Mesh.Tests.ClusterFailures;

/// <summary>What the cluster failure tests share: a client sidecar calling reviews behind two server sidecars, and admin reads.</summary>
internal static class ClusterMesh
{
    /// <summary>Starts reviews v1 and v2 behind their own sidecars plus a client sidecar, and waits until the client can route.</summary>
    public static async Task<SidecarProcess> StartTrafficAsync(MeshTestBed mesh, SiloProcess admin, IEnumerable<string>? clientSilos = null)
    {
        await admin.Admin.PutServiceAsync(TestResources.Service("reviews", 9080));
        foreach (var version in new[] { "v1", "v2" })
        {
            var app = await mesh.StartUpstreamAsync(version);
            await mesh.StartSidecarAsync($"reviews-{version}", service: "reviews", appPort: app.Port, labels: $"version={version}");
        }

        await Poll.UntilTrueAsync(async () => (await admin.Admin.GetFromJsonAsync<List<EndpointView>>("/api/v1/namespaces/default/endpoints?service=reviews", MeshJson.Options))!.Count == 2,
            TimeSpan.FromSeconds(30), () => "the server sidecars never registered their apps");
        var client = await mesh.StartSidecarAsync("productpage", silos: clientSilos);
        await client.WaitForRevisionAsync(await admin.StoreRevisionAsync(), TimeSpan.FromSeconds(30));
        return client;
    }

    public static async Task<List<SubscriberStatus>> SubscribersAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options))!;

    public static async Task<List<SiloMember>> MembersAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<List<SiloMember>>("/api/v1/members", MeshJson.Options))!;
}
