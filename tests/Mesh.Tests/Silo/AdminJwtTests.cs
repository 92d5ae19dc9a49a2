using System.Net;
using System.Net.Http.Json;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Mesh.Tests.Security.Jwt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>
/// The admin API accepts JWTs from an OpenID Connect provider (<c>Mesh:AdminJwt</c>) beside its static tokens. The
/// provider is a Kestrel app on loopback serving a discovery document and a JWKS; the tokens are signed by openssl,
/// independently of the library that checks them.
/// </summary>
public sealed class AdminJwtTests(ITestOutputHelper output, OpenSslJwtIssuer issuer) : IClassFixture<OpenSslJwtIssuer>, IAsyncLifetime
{
    private const string Audience = "mesh-admin-api";
    private WebApplication _provider = null!;
    private string _authority = "";
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        (_provider, var port) = await LoopbackApp.StartAsync(app =>
        {
            app.MapGet("/.well-known/openid-configuration", (HttpContext context) => Results.Text(
                $$"""{"issuer":"{{_authority}}","jwks_uri":"{{_authority}}/keys","id_token_signing_alg_values_supported":["RS256","ES256"]}""",
                "application/json"));
            app.MapGet("/keys", () => Results.Text(OpenSslJwtIssuer.Jwks(issuer.RsaJwk, issuer.EcJwk), "application/json"));
        });
        _authority = $"http://127.0.0.1:{port}";
        _silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__ProtectReads"] = "true",
            ["Mesh__AdminJwt__Authority"] = _authority,
            ["Mesh__AdminJwt__Audience"] = Audience,
            ["Mesh__AdminJwt__RequireHttpsMetadata"] = "false",
        });
    }

    public async Task DisposeAsync()
    {
        await _silo.DisposeAsync();
        await _provider.DisposeAsync();
    }

    [Fact]
    public async Task AdminRoleJwt_Writes_AndTheStaticTokenStillWorks()
    {
        using var admin = _silo.CreateClient(Token("""["mesh-admin"]"""));

        var written = await admin.PutServiceAsync(TestResources.Service("ratings"));

        Assert.Equal("ratings", written.Metadata.Name);
        using var viaStaticToken = await _silo.Admin.GetAsync("/api/v1/namespaces/default/services/ratings");
        Assert.Equal(HttpStatusCode.OK, viaStaticToken.StatusCode);
    }

    [Fact]
    public async Task ViewerRoleJwt_Reads_ButAWriteIs403()
    {
        using var viewer = _silo.CreateClient(Token("\"mesh-viewer\""));

        using var read = await viewer.GetAsync("/api/v1/services");
        using var write = await viewer.PutAsJsonAsync("/api/v1/namespaces/default/services/details", TestResources.Service("details"), MeshJson.Options);

        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, write.StatusCode);
        Assert.Contains("read-only", await write.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task JwtWithoutEitherRole_Is403NamingTheClaim()
    {
        using var client = _silo.CreateClient(Token("""["billing"]"""));

        using var response = await client.GetAsync("/api/v1/services");

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Contains("'roles' claim has neither 'mesh-admin' nor 'mesh-viewer'", await response.Content.ReadAsStringAsync());
    }

    public static TheoryData<string, string> Refused => new()
    {
        { "expired", "(exp)" },
        { "audience", "(aud)" },
        { "issuer", "(iss)" },
        { "unknown-key", "its signature does not verify" },
        { "hs256-with-public-key", "its signature does not verify" },
        { "alg-none", "its signature does not verify" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task BadJwt_Is401NamingWhy_AndNeverEchoesTheToken(string flaw, string expected)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var token = flaw switch
        {
            "expired" => Token("""["mesh-admin"]""", expires: now - 600),
            "audience" => Token("""["mesh-admin"]""", audience: "another-app"),
            "issuer" => Token("""["mesh-admin"]""", issuerUrl: "https://idp.example"),
            "unknown-key" => issuer.Sign("RS256", "rsa-1", Payload("""["mesh-admin"]""", _authority, Audience, now + 600), keyFile: "rsa2.pem"),
            "hs256-with-public-key" => issuer.Sign("HS256", "rsa-1", Payload("""["mesh-admin"]""", _authority, Audience, now + 600)),
            "alg-none" => OpenSslJwtIssuer.Unsigned(Payload("""["mesh-admin"]""", _authority, Audience, now + 600)),
            _ => throw new ArgumentException(flaw),
        };
        using var client = _silo.CreateClient(token);

        using var response = await client.PutAsJsonAsync("/api/v1/namespaces/default/services/refused", TestResources.Service("refused"), MeshJson.Options);
        var body = await response.Content.ReadAsStringAsync();
        output.WriteLine($"{flaw}: {(int)response.StatusCode} {body}");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(expected, body);
        Assert.DoesNotContain(token.Split('.')[1], body);
        Assert.DoesNotContain(token.Split('.')[1], _silo.Process.Output);
        using var stored = await _silo.Admin.GetAsync("/api/v1/namespaces/default/services/refused");
        Assert.Equal(HttpStatusCode.NotFound, stored.StatusCode);
    }

    [Fact]
    public async Task AuthorityWithoutAudience_SiloRefusesToStart_NamingTheSetting()
    {
        var failure = await Assert.ThrowsAsync<InvalidOperationException>(() => SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?>
        {
            ["Mesh__AdminJwt__Authority"] = _authority,
        }));

        Assert.Contains("silo exited with 2", failure.Message);
        Assert.Contains("Mesh:AdminJwt:Audience is required", failure.Message);
    }

    private string Token(string roles, long? expires = null, string? audience = null, string? issuerUrl = null) =>
        issuer.Sign("RS256", "rsa-1", Payload(roles, issuerUrl ?? _authority, audience ?? Audience, expires ?? DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600));

    private static string Payload(string roles, string issuerUrl, string audience, long expires) =>
        $$"""{"iss":"{{issuerUrl}}","sub":"operator@example.com","aud":"{{audience}}","exp":{{expires}},"iat":{{expires - 1200}},"roles":{{roles}}}""";
}
