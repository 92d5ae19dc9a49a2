using System.Buffers.Text;
using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Contracts.Resources;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.Federation;

/// <summary>
/// Bad input to peering, against a real silo: forged, reused and expired tokens, an export of a service that does not
/// exist, and a peer sending garbage on the stream. Each is refused with a message naming what is wrong, and nothing
/// is imported.
/// </summary>
public sealed class PeeringRefusalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Tokens_ForgedReusedOrExpired_AreRefusedWithAClearMessage()
    {
        await using var c1 = await MeshTestBed.StartAsync(output, settings: Settings("c1"));
        await using var c2 = await MeshTestBed.StartAsync(output, settings: Settings("c2"));
        var token = await CreateTokenAsync(c1.Silo, "c2");

        var decoded = PeeringToken.TryDecode(token, out _)!;
        var forged = (decoded with { Secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32)) }).Encode();
        var (status, message) = await JoinAsync(c2.Silo, "c1", forged);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("not one this cluster issued", message, StringComparison.Ordinal);

        var expired = (decoded with { ExpiresAt = DateTimeOffset.UtcNow.AddMinutes(-1) }).Encode();
        (status, message) = await JoinAsync(c2.Silo, "c1", expired);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("expired", message, StringComparison.Ordinal);

        (status, message) = await JoinAsync(c2.Silo, "c1", "not-a-token");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("token", message, StringComparison.Ordinal);

        (status, _) = await JoinAsync(c2.Silo, "c1", token);
        Assert.Equal(HttpStatusCode.Created, status);
        (status, message) = await JoinAsync(c2.Silo, "c1-again", token);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Contains("already redeemed", message, StringComparison.Ordinal);

        // Nothing half-made: c1 has the one peering the good token made, c2 the one it joined.
        Assert.Equal(["c2"], (await PeeringsAsync(c1.Silo)).Select(p => p.Name));
        Assert.Equal(["c1"], (await PeeringsAsync(c2.Silo)).Select(p => p.Name));
    }

    [Fact]
    public async Task Export_OfAServiceThatDoesNotExist_IsRefusedNamingTheField()
    {
        await using var bed = await MeshTestBed.StartAsync(output, settings: Settings("c1"));
        using var response = await bed.Silo.Admin.PutAsJsonAsync("/api/v1/namespaces/default/resources/ExportedServices/default",
            IstioResources.Resource(ResourceKinds.MeshApiVersion, ResourceKinds.ExportedServices, "default",
                new { services = new[] { new { name = "nope", consumers = new[] { new { peer = "c2" } } } } }), MeshJson.Options);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("spec.services[0].name", body, StringComparison.Ordinal);
        Assert.Contains("nope", body, StringComparison.Ordinal);
        Assert.Contains("does not exist in namespace", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task APeerSendingGarbage_IsRefusedNamingTheField_AndNothingIsImported()
    {
        await using var bed = await MeshTestBed.StartAsync(output, settings: Settings("c1"));
        var token = PeeringToken.TryDecode(await CreateTokenAsync(bed.Silo, "fake"), out _)!;
        using var channel = GrpcChannel.ForAddress(bed.Silo.BaseAddress);
        var client = new MeshFederation.MeshFederationClient(channel);

        // A made-up cluster redeems the token as a joining silo would.
        var identity = new ClusterIdentity { Name = "fake", TrustDomain = "fake.mesh" };
        identity.Roots.Add(SelfSignedPem());
        var redeemed = await client.RedeemAsync(new RedeemRequest { TokenId = token.Id, Secret = token.Secret, Joiner = identity });
        Assert.Equal("fake", redeemed.PeerName);

        var headers = new Metadata { { "authorization", "Bearer " + redeemed.Credential }, { "mesh-peer", "fake" } };
        var garbage = new ExportSnapshot { GatewayAddress = "127.0.0.1", GatewayPort = 15443 };
        garbage.Services.Add(new ExportedService { Namespace = "Not_A_Namespace", Name = "echo", Ports = { new ExportedPort { Name = "http", Port = 80, Protocol = "HTTP" } } });
        var refusal = await Assert.ThrowsAsync<RpcException>(() => ExchangeAsync(bed.Silo.BaseAddress, headers, identity, garbage));
        Assert.Equal(StatusCode.InvalidArgument, refusal.StatusCode);
        Assert.Contains("exports.services[0].namespace", refusal.Status.Detail, StringComparison.Ordinal);

        var lying = identity.Clone();
        lying.TrustDomain = "other.mesh";
        refusal = await Assert.ThrowsAsync<RpcException>(() => ExchangeAsync(bed.Silo.BaseAddress, headers, lying, null));
        Assert.Contains("hello.trust_domain", refusal.Status.Detail, StringComparison.Ordinal);

        var wrongCredential = new Metadata { { "authorization", "Bearer forged" }, { "mesh-peer", "fake" } };
        refusal = await Assert.ThrowsAsync<RpcException>(() => ExchangeAsync(bed.Silo.BaseAddress, wrongCredential, identity, null));
        Assert.Equal(StatusCode.Unauthenticated, refusal.StatusCode);

        var detail = await bed.Silo.Admin.GetFromJsonAsync<JsonElement>("/api/v1/peerings/fake", MeshJson.Options);
        Assert.Equal(0, detail.GetProperty("imported").GetArrayLength());

        // The same stream with a valid export is taken: what was refused above was the garbage, not the peer.
        var valid = new ExportSnapshot { GatewayAddress = "127.0.0.1", GatewayPort = 15443 };
        valid.Services.Add(new ExportedService { Namespace = "default", Name = "echo", Ports = { new ExportedPort { Name = "http", Port = 80, Protocol = "HTTP" } } });
        await Poll.UntilTrueAsync(async () =>
        {
            await ExchangeAsync(bed.Silo.BaseAddress, headers, identity, valid, keepOpen: TimeSpan.FromMilliseconds(300));
            var imported = (await bed.Silo.Admin.GetFromJsonAsync<JsonElement>("/api/v1/peerings/fake", MeshJson.Options)).GetProperty("imported");
            return imported.GetArrayLength() == 1;
        }, TimeSpan.FromSeconds(20), () => "a valid export from the same peer was never imported");
    }

    /// <summary>One stream on a channel of its own: a refused stream must not leave a reset connection to the next one.</summary>
    private static async Task ExchangeAsync(Uri silo, Metadata headers, ClusterIdentity hello, ExportSnapshot? exports, TimeSpan? keepOpen = null)
    {
        using var channel = GrpcChannel.ForAddress(silo);
        using var call = new MeshFederation.MeshFederationClient(channel).Exchange(headers);
        await call.RequestStream.WriteAsync(new PeerMessage { Hello = hello });
        if (exports is not null)
        {
            await call.RequestStream.WriteAsync(new PeerMessage { Exports = exports });
        }

        // Half-close: the silo reads what was sent, in order, and answers; no reset races its verdict.
        await call.RequestStream.CompleteAsync();

        if (keepOpen is { } wait)
        {
            using var stop = new CancellationTokenSource(wait);
            try
            {
                while (await call.ResponseStream.MoveNext(stop.Token))
                {
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
            {
            }

            return;
        }

        // The silo ends the stream with the refusal; reading surfaces it.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (await call.ResponseStream.MoveNext(deadline.Token))
        {
        }
    }

    private static Dictionary<string, string?> Settings(string name) => new()
    {
        ["Mesh__Ca__TrustDomain"] = $"{name}.mesh",
        ["Mesh__Federation__ClusterName"] = name,
    };

    private static async Task<string> CreateTokenAsync(SiloProcess silo, string peer)
    {
        using var response = await silo.Admin.PostAsJsonAsync("/api/v1/peerings/tokens", new { peer });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static async Task<(HttpStatusCode Status, string Body)> JoinAsync(SiloProcess silo, string name, string token)
    {
        using var response = await silo.Admin.PostAsJsonAsync("/api/v1/peerings", new { name, token });
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task<List<PeeringView>> PeeringsAsync(SiloProcess silo) =>
        (await silo.Admin.GetFromJsonAsync<List<PeeringView>>("/api/v1/peerings", MeshJson.Options))!;

    private static string SelfSignedPem()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=fake root", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddDays(1));
        return certificate.ExportCertificatePem();
    }
}
