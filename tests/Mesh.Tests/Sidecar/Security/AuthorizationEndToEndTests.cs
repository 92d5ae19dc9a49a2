using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Authorization;
using Mesh.Tests.Security.Jwt;
using Mesh.Tests.Sidecar.EndToEnd;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.Security;

/// <summary>
/// AuthorizationPolicy and RequestAuthentication enforced by a real inbound sidecar, for callers identified by SVIDs
/// from the silo CA and by JWTs that openssl signed.
/// </summary>
public sealed class AuthorizationEndToEndTests(ITestOutputHelper output, OpenSslJwtIssuer issuer) : IClassFixture<OpenSslJwtIssuer>
{
    private const string Issuer = "https://issuer.test";

    [Fact]
    public async Task AuthorizationPolicy_PrincipalNamespacePathMethodMatrix_DenyBeforeAllowAnd403Body()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var server = await StartReviewsAsync(mesh);
        await mesh.ApplyAsync(SecureMesh.Policy("AuthorizationPolicy", "deny-admin", new
        {
            action = "DENY",
            rules = new[] { new { to = new[] { new { operation = new { paths = new[] { "/api/admin*" } } } } } },
        }));
        await mesh.ApplyAsync(SecureMesh.Policy("AuthorizationPolicy", "allow-productpage", new
        {
            action = "ALLOW",
            rules = new[]
            {
                new
                {
                    from = new[] { new { source = new { principals = new[] { "cluster.local/ns/default/sa/productpage" } } } },
                    to = new[] { new { operation = new { methods = new[] { "GET" }, paths = new[] { "/api/*" } } } },
                },
            },
        }));
        await mesh.ApplyAsync(SecureMesh.Policy("AuthorizationPolicy", "allow-trusted-namespace", new
        {
            rules = new[] { new { from = new[] { new { source = new { namespaces = new[] { "trusted" } } } } } },
        }));
        await mesh.SyncAsync(server);

        var roots = await mesh.Silo.BundleAsync();
        using var productpage = await mesh.Silo.IssueAsync("productpage");
        using var ratings = await mesh.Silo.IssueAsync("ratings");
        using var trusted = await mesh.Silo.IssueAsync("batch", "trusted");
        var matrix = new (string Caller, X509Certificate2? Certificate, HttpMethod Method, string Path, HttpStatusCode Expected)[]
        {
            ("productpage", productpage, HttpMethod.Get, "/api/reviews", HttpStatusCode.OK),
            ("productpage", productpage, HttpMethod.Post, "/api/reviews", HttpStatusCode.Forbidden),
            ("productpage", productpage, HttpMethod.Get, "/other", HttpStatusCode.Forbidden),
            ("productpage", productpage, HttpMethod.Get, "/api/admin/users", HttpStatusCode.Forbidden),
            ("trusted/batch", trusted, HttpMethod.Delete, "/anything", HttpStatusCode.OK),
            ("trusted/batch", trusted, HttpMethod.Get, "/api/admin", HttpStatusCode.Forbidden),
            ("ratings", ratings, HttpMethod.Get, "/api/reviews", HttpStatusCode.Forbidden),
            ("plaintext", null, HttpMethod.Get, "/api/reviews", HttpStatusCode.Forbidden),
        };

        var mismatches = new List<string>();
        foreach (var (caller, certificate, method, path, expected) in matrix)
        {
            using var client = certificate is null ? SecureMesh.PlainClient(server.InboundPort) : SecureMesh.MtlsClient(server.InboundPort, certificate, roots);
            using var response = await client.SendAsync(new HttpRequestMessage(method, path));
            var body = await response.Content.ReadAsStringAsync();
            if (response.StatusCode != expected || (expected == HttpStatusCode.Forbidden && body != AuthorizationDecision.DeniedBody))
            {
                mismatches.Add($"{caller} {method} {path}: expected {(int)expected}, got {(int)response.StatusCode} '{body}'");
            }
        }

        Assert.Empty(mismatches);
    }

    [Fact]
    public async Task RequestAuthentication_OpenSslTokens_GoodPassesBadIs401MissingDeniedWhereRequired()
    {
        await using var mesh = await MeshTestBed.StartAsync(output);
        var server = await StartReviewsAsync(mesh);
        await mesh.ApplyAsync(SecureMesh.Policy("RequestAuthentication", "jwt", new
        {
            jwtRules = new[] { new { issuer = Issuer, audiences = new[] { "reviews" }, jwks = OpenSslJwtIssuer.Jwks(issuer.RsaJwk, issuer.EcJwk) } },
        }));
        await mesh.ApplyAsync(SecureMesh.Policy("AuthorizationPolicy", "require-jwt", new
        {
            rules = new object[]
            {
                new
                {
                    from = new[] { new { source = new { requestPrincipals = new[] { Issuer + "/*" } } } },
                    to = new[] { new { operation = new { paths = new[] { "/jwt/*" } } } },
                    when = new[] { new { key = "request.auth.claims[group]", values = new[] { "admins" } } },
                },
                new { to = new[] { new { operation = new { paths = new[] { "/public/*" } } } } },
            },
        }));
        await mesh.SyncAsync(server);

        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        string Claims(string group, long exp, string aud = "reviews") =>
            $$"""{"iss":"{{Issuer}}","sub":"alice","aud":"{{aud}}","group":"{{group}}","iat":{{now}},"exp":{{exp}}}""";
        var vectors = new (string Name, string Path, string? Token, HttpStatusCode Expected)[]
        {
            ("RS256 good", "/jwt/a", issuer.Sign("RS256", "rsa-1", Claims("admins", now + 600)), HttpStatusCode.OK),
            ("ES256 good", "/jwt/a", issuer.Sign("ES256", "ec-1", Claims("admins", now + 600)), HttpStatusCode.OK),
            ("good, claim mismatch", "/jwt/a", issuer.Sign("RS256", "rsa-1", Claims("users", now + 600)), HttpStatusCode.Forbidden),
            ("missing where required", "/jwt/a", null, HttpStatusCode.Forbidden),
            ("missing where not required", "/public/a", null, HttpStatusCode.OK),
            ("expired", "/public/a", issuer.Sign("RS256", "rsa-1", Claims("admins", now - 600)), HttpStatusCode.Unauthorized),
            ("wrong audience", "/public/a", issuer.Sign("RS256", "rsa-1", Claims("admins", now + 600, "other")), HttpStatusCode.Unauthorized),
            ("key not in JWKS", "/public/a", issuer.Sign("RS256", "rsa-1", Claims("admins", now + 600), "rsa2.pem"), HttpStatusCode.Unauthorized),
            ("alg none", "/public/a", OpenSslJwtIssuer.Unsigned(Claims("admins", now + 600)), HttpStatusCode.Unauthorized),
            ("HS256 key confusion", "/public/a", issuer.Sign("HS256", "rsa-1", Claims("admins", now + 600)), HttpStatusCode.Unauthorized),
        };

        var mismatches = new List<string>();
        using var client = SecureMesh.PlainClient(server.InboundPort);
        foreach (var (name, path, token, expected) in vectors)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            if (token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            }

            using var response = await client.SendAsync(request);
            if (response.StatusCode != expected)
            {
                mismatches.Add($"{name}: expected {(int)expected}, got {(int)response.StatusCode} '{await response.Content.ReadAsStringAsync()}'");
            }
        }

        Assert.Empty(mismatches);
    }

    private static async Task<SidecarProcess> StartReviewsAsync(MeshTestBed mesh)
    {
        var app = await mesh.StartUpstreamAsync("v1");
        await mesh.Silo.AddServiceAsync("reviews", "reviews");
        return await mesh.StartSecureSidecarAsync("reviews-v1", "reviews", "reviews", app);
    }
}
