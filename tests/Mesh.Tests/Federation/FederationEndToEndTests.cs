using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Contracts.Federation;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar;
using Mesh.Tests.Sidecar.EndToEnd;
using Mesh.Tests.Sidecar.Security;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>
/// Silo clusters peered on loopback, each with its own silo, CA, trust domain, gateway and sidecars (docs/federation.md).
/// </summary>
public sealed class FederationEndToEndTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ExportedService_IsCalledAcrossTheEastWestGateway_WithMtlsEndToEnd_AndForeignPrincipalsInPolicy()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await c2.PeerWithAsync(c1);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, Connected: true, ImportedServices: 1, Role: "dialer" }, "active with echo imported");
        await c2.WaitForPeeringAsync("c1", p => p is { State: PeeringStates.Active, Connected: true, ExportedServices: 1, Role: "acceptor" }, "active, exporting echo");

        // c1 has no echo replica of its own: the only endpoint is c2's gateway, reached with c2's SNI and c2's identity.
        var client = await c1.StartClientAsync();
        await EchoAnswersAsync(client, "c2");
        await c2.Echo!.WaitForMetricAsync("source_principal=\"spiffe://c1.mesh/ns/default/sa/client\"");
        Assert.Contains(Lines(await c2.Echo.MetricsAsync()), l => l.StartsWith("istio_requests_total{reporter=\"destination\"", StringComparison.Ordinal)
            && l.Contains("source_principal=\"spiffe://c1.mesh/ns/default/sa/client\"", StringComparison.Ordinal)
            && l.Contains("connection_security_policy=\"mutual_tls\"", StringComparison.Ordinal));
        Assert.Contains("outbound_.9080_._.echo.default.svc.cluster.local", await client.Admin.GetStringAsync("/config_dump"), StringComparison.Ordinal);

        // An AuthorizationPolicy in c2 names c1's workload by its own trust domain.
        await c2.Bed.ApplyAsync(AllowFrom("c1.mesh/ns/default/sa/someone-else"));
        await Poll.UntilTrueAsync(async () => (await client.Proxy.GetAsync("http://echo:9080/")).StatusCode == HttpStatusCode.Forbidden, Deadline,
            () => "c2 never refused a principal its policy does not name");
        await c2.Bed.ApplyAsync(AllowFrom("c1.mesh/ns/default/sa/client"));
        await EchoAnswersAsync(client, "c2");

        // Deleting the peering on the exporting side removes c1's roots from c2's sidecars: the kept-alive connection is
        // closed on its next request and new handshakes fail, within 10 s of the delete.
        var deleted = Stopwatch.StartNew();
        using (var response = await c2.Silo.Admin.DeleteAsync("/api/v1/peerings/c1"))
        {
            Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        }

        await Poll.UntilTrueAsync(async () => !(await client.Proxy.GetAsync("http://echo:9080/")).IsSuccessStatusCode, TimeSpan.FromSeconds(10),
            () => "c1's client still reached c2 10 s after the peering was deleted");
        output.WriteLine($"cross-cluster requests refused {deleted.ElapsedMilliseconds} ms after the peering was deleted");
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await client.Proxy.GetAsync("http://echo:9080/")).IsSuccessStatusCode);
        }
    }

    [Fact]
    public async Task PeerSilence_IsStaleWithImportsServed_ThenExpiredWithImportsWithdrawn_AndNeverBlocksTheLocalCluster()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await c2.PeerWithAsync(c1);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, ImportedServices: 1 }, "active with echo imported");
        var client = await c1.StartClientAsync();
        await EchoAnswersAsync(client, "c2");

        // c2's control plane dies; its gateway and workloads keep running, as a data plane does.
        c2.Silo.Process.Kill();
        var killed = Stopwatch.StartNew();
        await c1.WaitForPeeringAsync("c2", p => p.State == PeeringStates.Stale, "stale");
        output.WriteLine($"stale after {killed.ElapsedMilliseconds} ms");
        Assert.Equal(1, (await c1.PeeringAsync("c2")).ImportedServices);
        Assert.Equal("c2", await client.Proxy.GetStringAsync("http://echo:9080/"));

        // The local cluster is unaffected: ready, and a new VirtualService takes effect.
        Assert.Equal(HttpStatusCode.OK, (await c1.Silo.Admin.GetAsync("/readyz")).StatusCode);
        await c1.Bed.ApplyAsync(IstioResources.VirtualService("echo", new
        {
            hosts = new[] { "echo" },
            http = new[] { new { headers = new { response = new { set = new Dictionary<string, string> { ["x-served-while-peer-down"] = "yes" } } }, route = new[] { new { destination = new { host = "echo" } } } } },
        }));
        var applied = Stopwatch.StartNew();
        await Poll.UntilTrueAsync(async () => (await client.Proxy.GetAsync("http://echo:9080/")).Headers.Contains("x-served-while-peer-down"), TimeSpan.FromSeconds(2),
            () => "a VirtualService applied while the peer was down did not take effect within 2 s");
        output.WriteLine($"VirtualService effective after {applied.ElapsedMilliseconds} ms");

        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Expired, ImportedServices: 0 }, "expired with its imports withdrawn");
        output.WriteLine($"expired after {killed.ElapsedMilliseconds} ms");
        await Poll.UntilTrueAsync(async () => (await client.Proxy.GetAsync("http://echo:9080/")).StatusCode == HttpStatusCode.ServiceUnavailable, Deadline,
            () => "the withdrawn import was still routed to");
    }

    [Fact]
    public async Task PeerRootRotation_AddActivateReissueRetire_FailsNoCrossClusterRequest()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        await c2.PeerWithAsync(c1);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, ImportedServices: 1 }, "active with echo imported");
        var client = await c1.StartClientAsync();
        await EchoAnswersAsync(client, "c2");
        var admin = c2.Silo.Admin;
        var oldRoot = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/ca/roots")).EnumerateArray().Single().GetProperty("thumbprint").GetString();

        await using var load = new LoadLoop(client.Proxy, "http://echo:9080/");
        await load.WaitForMoreAsync(50);

        // c2 adds a root: its peer hears of it (hello) and c1's sidecars trust it before it signs anything.
        using var added = await admin.PostAsJsonAsync("/api/v1/ca/roots", new { activate = false });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var newRoot = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("thumbprint").GetString()!;
        await WaitForTrustAsync(client, newRoot, trusted: true);
        await load.WaitForMoreAsync(50);

        (await admin.PostAsync($"/api/v1/ca/roots/{newRoot}/activate", null)).EnsureSuccessStatusCode();
        using (var rotated = await c2.Echo!.Admin.PostAsync("/certs/rotate", null))
        {
            rotated.EnsureSuccessStatusCode();
        }

        await load.WaitForMoreAsync(50);
        using (var retired = await admin.DeleteAsync($"/api/v1/ca/roots/{oldRoot}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retired.StatusCode);
        }

        await WaitForTrustAsync(client, oldRoot!, trusted: false);
        await using (var more = new LoadLoop(client.Proxy, "http://echo:9080/", concurrency: 8))
        {
            // New connections: c2's workload presents its new certificate, which c1 verifies with c2's new root only.
            await more.WaitForMoreAsync(200);
            await more.StopAsync();
            Assert.Empty(more.Failures);
        }

        await load.StopAsync();
        Assert.Empty(load.Failures);
        Assert.Equal(["c2"], load.Versions.Keys);
    }

    [Fact]
    public async Task TcpServicesAndSubsets_CrossTheGateway_AsIstiosMultiNetworkMeshDoes()
    {
        await using var c1 = await FederatedCluster.StartAsync("c1", "r1", "z1", output, echo: false);
        await using var c2 = await FederatedCluster.StartAsync("c2", "r1", "z2", output);
        var tcpPort = Infrastructure.TestPorts.Next();
        await using var line = LineServer.Start("c2");
        foreach (var cluster in new[] { c1, c2 })
        {
            await cluster.Silo.Admin.PutServiceAsync(TcpRoutingEndToEndTests.TcpService("tcp-echo", tcpPort));
            await cluster.Bed.ApplyAsync(IstioResources.Resource(Contracts.Resources.ResourceKinds.MeshApiVersion, Contracts.Resources.ResourceKinds.ExportedServices, "default",
                new { services = new[] { new { name = "echo", consumers = new[] { new { peer = "*" } } }, new { name = "tcp-echo", consumers = new[] { new { peer = "*" } } } } }));
            // Subsets resolve on both sides: the caller selects by labels, the peer's gateway by the subset in the SNI.
            await cluster.Bed.ApplyAsync(IstioResources.Subsets("echo"));
        }

        var tcpEcho = await c2.Bed.StartSidecarAsync("tcp-echo-c2", "tcp-echo", line.Port, "app=tcp-echo,version=v1",
            extraArgs: ["--join-token", await c2.Silo.JoinTokenAsync("tcp-echo"), "--locality", "r1/z2"]);
        await c2.Gateway.WaitForEndpointAsync(tcpEcho);
        await c2.PeerWithAsync(c1);
        await c1.WaitForPeeringAsync("c2", p => p is { State: PeeringStates.Active, ImportedServices: 2 }, "active with echo and tcp-echo imported");
        await c1.Bed.ApplyAsync(TcpRoutingEndToEndTests.EgressListener(tcpPort, "TCP", "./tcp-echo"));
        var client = await c1.StartClientAsync();
        await TcpRoutingEndToEndTests.WaitForListenerAsync(client, tcpPort);

        // TCP: the bytes cross the gateway inside the mTLS between the two sidecars.
        string? answer = null;
        await Poll.UntilTrueAsync(async () =>
        {
            try
            {
                answer = await LineServer.AskAsync(tcpPort, "ping");
            }
            catch (IOException)
            {
                answer = null;
            }

            return answer == "c2 ping";
        }, Deadline, () => $"tcp-echo never answered from c2 (last: {answer})");

        // Subsets: v1 is c2's replica; v2 exists nowhere, so its route has no endpoint.
        await c1.Bed.ApplyAsync(IstioResources.VirtualService("echo", new
        {
            hosts = new[] { "echo" },
            http = new object[]
            {
                new { match = new[] { new { headers = new { subset = new { exact = "v2" } } } }, route = new[] { new { destination = new { host = "echo", subset = "v2" } } } },
                new { route = new[] { new { destination = new { host = "echo", subset = "v1" } } } },
            },
        }));
        await EchoAnswersAsync(client, "c2");
        Assert.Contains("outbound_.9080_.v1_.echo.default.svc.cluster.local", await client.Admin.GetStringAsync("/config_dump"), StringComparison.Ordinal);
        using var request = new HttpRequestMessage(HttpMethod.Get, "http://echo:9080/") { Headers = { { "subset", "v2" } } };
        using var noSubset = await client.Proxy.SendAsync(request);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, noSubset.StatusCode);
    }

    private static Task WaitForTrustAsync(SidecarProcess sidecar, string thumbprint, bool trusted) =>
        Poll.UntilTrueAsync(async () => (await sidecar.CertsAsync()).GetProperty("trustBundle").EnumerateArray().Any(t => t.GetString() == thumbprint) == trusted,
            Deadline, () => $"the sidecar never {(trusted ? "trusted" : "stopped trusting")} root {thumbprint}");

    private static async Task EchoAnswersAsync(SidecarProcess client, string cluster)
    {
        string? last = null;
        await Poll.UntilTrueAsync(async () =>
        {
            using var response = await client.Proxy.GetAsync("http://echo:9080/");
            last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}";
            return response.IsSuccessStatusCode && last.EndsWith(" " + cluster, StringComparison.Ordinal);
        }, Deadline, () => $"echo never answered from {cluster}; last answer: {last}; client certs: {client.Admin.GetStringAsync("/certs").GetAwaiter().GetResult()}");
    }

    private static Contracts.Resources.MeshResource AllowFrom(string principal) =>
        SecureMesh.Policy("AuthorizationPolicy", "echo-callers", new
        {
            selector = new { matchLabels = new { app = "echo" } },
            action = "ALLOW",
            rules = new[] { new { from = new[] { new { source = new { principals = new[] { principal } } } } } },
        });

    private static IEnumerable<string> Lines(string text) => text.Split('\n');
}
