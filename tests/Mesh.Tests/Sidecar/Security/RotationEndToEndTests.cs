using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.Security;

/// <summary>Workload and root certificate rotation while traffic flows sidecar to sidecar under STRICT mTLS.</summary>
public sealed class RotationEndToEndTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Renewal_ShortLivedCertificatesUnderTraffic_RenewBeforeExpiryWithZeroFailures()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, client) = await StartPairAsync(mesh, ["--cert-ttl", "60"]);
        var serverSerial = (await server.CertsAsync()).GetProperty("serialNumber").GetString();
        var clientSerial = (await client.CertsAsync()).GetProperty("serialNumber").GetString();

        await using var load = new LoadLoop(client.Proxy, "http://reviews:9080/");
        await load.WaitForMoreAsync(50);
        // Renewal is due at half of the 60 s lifetime, ±10%.
        await Poll.UntilTrueAsync(async () =>
            (await server.CertsAsync()).GetProperty("serialNumber").GetString() != serverSerial &&
            (await client.CertsAsync()).GetProperty("serialNumber").GetString() != clientSerial,
            TimeSpan.FromSeconds(60), () => "the sidecars never renewed their certificates");
        await using (var more = new LoadLoop(client.Proxy, "http://reviews:9080/", concurrency: 8))
        {
            // More concurrency than before forces new connections, i.e. handshakes with the renewed certificates.
            await more.WaitForMoreAsync(200);
            await more.StopAsync();
            Assert.Empty(more.Failures);
        }

        await load.StopAsync();
        Assert.Empty(load.Failures);
        Assert.True(load.Succeeded > 50);
    }

    [Fact]
    public async Task RootRotation_AddActivateReissueRetireUnderTraffic_ZeroFailures()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var (server, client) = await StartPairAsync(mesh, []);
        var admin = mesh.Silo.Admin;
        var oldRoot = (await admin.GetFromJsonAsync<JsonElement>("/api/v1/ca/roots")).EnumerateArray().Single().GetProperty("thumbprint").GetString();

        await using var load = new LoadLoop(client.Proxy, "http://reviews:9080/");
        await load.WaitForMoreAsync(50);

        using var added = await admin.PostAsJsonAsync("/api/v1/ca/roots", new { activate = false });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        var newRoot = (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("thumbprint").GetString();
        await WaitForBundleAsync(2, server, client);
        await load.WaitForMoreAsync(50);

        (await admin.PostAsync($"/api/v1/ca/roots/{newRoot}/activate", null)).EnsureSuccessStatusCode();
        foreach (var sidecar in new[] { server, client })
        {
            var before = (await sidecar.CertsAsync()).GetProperty("serialNumber").GetString();
            using var rotated = await sidecar.Admin.PostAsync("/certs/rotate", null);
            rotated.EnsureSuccessStatusCode();
            Assert.NotEqual(before, (await rotated.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("serialNumber").GetString());
        }

        await load.WaitForMoreAsync(50);
        using (var retired = await admin.DeleteAsync($"/api/v1/ca/roots/{oldRoot}"))
        {
            Assert.Equal(HttpStatusCode.NoContent, retired.StatusCode);
        }

        await WaitForBundleAsync(1, server, client);
        await using (var more = new LoadLoop(client.Proxy, "http://reviews:9080/", concurrency: 8))
        {
            // New connections handshake with only the new root trusted.
            await more.WaitForMoreAsync(200);
            await more.StopAsync();
            Assert.Empty(more.Failures);
        }

        await load.StopAsync();
        Assert.Empty(load.Failures);
    }

    private static async Task<(SidecarProcess Server, SidecarProcess Client)> StartPairAsync(MeshTestBed mesh, IEnumerable<string> extraArgs)
    {
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.AddServiceAsync("reviews", "reviews");
        var server = await mesh.StartSecureSidecarAsync("reviews-v1", "reviews", "reviews", app, extraArgs);
        var client = await mesh.StartSecureSidecarAsync("productpage", "productpage", extraArgs: extraArgs);
        await mesh.ApplyAsync(SecureMesh.PeerAuthentication("STRICT"));
        await client.WaitForEndpointAsync(server);
        await mesh.SyncAsync(server, client);
        return (server, client);
    }

    private static async Task WaitForBundleAsync(int roots, params SidecarProcess[] sidecars)
    {
        foreach (var sidecar in sidecars)
        {
            await Poll.UntilTrueAsync(async () => (await sidecar.CertsAsync()).GetProperty("trustBundle").GetArrayLength() == roots,
                TimeSpan.FromSeconds(20), () => $"the sidecar's trust bundle never had {roots} root(s)");
        }
    }
}
