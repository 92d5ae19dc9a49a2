using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>
/// Silos serving https: the peering stream is mutual TLS, each silo presenting its own CA's certificate and checking
/// the other's against the peer's roots, besides the credential.
/// </summary>
public sealed class FederationTlsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task HttpsSilos_PeerOverMutualTls_AndAStreamWithoutThePeerSilosCertificateIsRefused()
    {
        var (c1Process, c1) = TlsSiloProcess.Start("silo-c1", output, Settings("c1"));
        await using var c1Owned = c1Process;
        var (c2Process, c2) = TlsSiloProcess.Start("silo-c2", output, Settings("c2"));
        await using var c2Owned = c2Process;
        using var admin1 = Admin(c1);
        using var admin2 = Admin(c2);
        await Poll.UntilTrueAsync(async () => await ReadyAsync(admin1) && await ReadyAsync(admin2), TimeSpan.FromSeconds(60), () => "the https silos never became ready");

        var token = await CreateTokenAsync(admin2, "c1");
        using (var joined = await admin1.PostAsJsonAsync("/api/v1/peerings", new { name = "c2", token }))
        {
            Assert.True(joined.IsSuccessStatusCode, await joined.Content.ReadAsStringAsync());
        }

        PeeringView? view = null;
        await Poll.UntilTrueAsync(async () =>
        {
            var dialer = (await admin1.GetFromJsonAsync<List<PeeringView>>("/api/v1/peerings", MeshJson.Options))!.Single();
            view = (await admin2.GetFromJsonAsync<List<PeeringView>>("/api/v1/peerings", MeshJson.Options))!.Single();
            return dialer is { State: PeeringStates.Active, Connected: true } && view is { State: PeeringStates.Active, Connected: true };
        }, TimeSpan.FromSeconds(30), () => $"the peering never came up over mutual TLS: {JsonSerializer.Serialize(view)}");

        // A joiner holding a good credential but presenting no certificate over TLS is refused.
        var fake = PeeringToken.TryDecode(await CreateTokenAsync(admin2, "fake"), out _)!;
        using var channel = GrpcChannel.ForAddress(c2, new GrpcChannelOptions
        {
            // c2's silo is checked against c2's roots, which its token carries.
            HttpHandler = new SocketsHttpHandler { SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => Mesh.Silo.Federation.FederationChannels.ChainsTo(certificate, fake.Roots) } },
        });
        var client = new MeshFederation.MeshFederationClient(channel);
        var identity = new ClusterIdentity { Name = "fake", TrustDomain = "fake.mesh" };
        identity.Roots.Add(fake.Roots[0]);
        var redeemed = await client.RedeemAsync(new RedeemRequest { TokenId = fake.Id, Secret = fake.Secret, Joiner = identity });
        using var call = client.Exchange(new Metadata { { "authorization", "Bearer " + redeemed.Credential }, { "mesh-peer", "fake" } });
        await call.RequestStream.WriteAsync(new PeerMessage { Hello = identity });
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            while (await call.ResponseStream.MoveNext(deadline.Token))
            {
            }
        });
        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        Assert.Contains("needs the peer silo's certificate", refused.Status.Detail, StringComparison.Ordinal);
    }

    private static Dictionary<string, string?> Settings(string name) => new()
    {
        ["Mesh__Ca__TrustDomain"] = $"{name}.mesh",
        ["Mesh__Federation__ClusterName"] = name,
    };

    // The test reads the silos' APIs without their bundles; what is under test is the silo-to-silo channel.
    private static HttpClient Admin(Uri address) =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(30),
            DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", SiloProcess.AdminToken) },
        };

    private static async Task<bool> ReadyAsync(HttpClient admin)
    {
        try
        {
            using var response = await admin.GetAsync("/readyz");
            return response.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static async Task<string> CreateTokenAsync(HttpClient admin, string peer)
    {
        using var response = await admin.PostAsJsonAsync("/api/v1/peerings/tokens", new { peer });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
