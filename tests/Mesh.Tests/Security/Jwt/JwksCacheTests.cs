using Mesh.Contracts.Istio.Security;
using Mesh.Security;
using Mesh.Security.Jwt;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mesh.Tests.Security.Jwt;

/// <summary>JWKS fetched over HTTP from a real Kestrel server on 127.0.0.1, with caching driven by a manual clock.</summary>
public sealed class JwksCacheTests : IClassFixture<OpenSslJwtIssuer>, IAsyncLifetime
{
    private const string Issuer = "https://issuer.example";
    private readonly OpenSslJwtIssuer _issuer;
    private readonly ManualTimeProvider _time = new();
    private readonly HttpClient _http = new();
    private WebApplication? _server;
    private string _jwks = "";
    private int _status = 200;
    private int _requests;
    private string _uri = "";

    public JwksCacheTests(OpenSslJwtIssuer issuer)
    {
        _issuer = issuer;
        _jwks = OpenSslJwtIssuer.Jwks(issuer.RsaJwk);
    }

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/jwks.json", () =>
        {
            Interlocked.Increment(ref _requests);
            return _status == 200 ? Results.Text(Volatile.Read(ref _jwks), "application/json") : Results.StatusCode(_status);
        });
        await _server.StartAsync();
        _uri = _server.Urls.Single() + "/jwks.json";
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private (JwksCache Cache, WorkloadJwtAuthenticator Authenticator) Create()
    {
        var cache = new JwksCache(_http, _time, new JwksCacheOptions(), NullLogger<JwksCache>.Instance);
        var spec = new RequestAuthenticationSpec { JwtRules = [new JwtRule { Issuer = Issuer, JwksUri = _uri }] };
        return (cache, RequestAuthenticator.Create([new("shop", "jwt", spec)], cache, _time).ForWorkload("shop", null));
    }

    private string Token(string kid, string keyFile = "rsa.pem") =>
        _issuer.Sign("RS256", kid, $$"""{"iss":"{{Issuer}}","sub":"u","exp":{{_time.GetUtcNow().ToUnixTimeSeconds() + 600}}}""", keyFile);

    private static Task<JwtResult> Run(WorkloadJwtAuthenticator authenticator, string token) =>
        authenticator.AuthenticateAsync(JwtVectorTests.Sources(new() { ["Authorization"] = "Bearer " + token }), CancellationToken.None).AsTask();

    [Fact]
    public async Task Authenticate_RepeatedTokens_FetchesJwksOnceUntilRefreshInterval()
    {
        var (cache, authenticator) = Create();
        var token = Token("rsa-1");

        Assert.True((await Run(authenticator, token)).IsValid);
        Assert.True((await Run(authenticator, token)).IsValid);
        Assert.True((await Run(authenticator, Token("rsa-1"))).IsValid);
        Assert.Equal(1, _requests);

        _time.Advance(TimeSpan.FromMinutes(21));
        Assert.True((await Run(authenticator, Token("rsa-1"))).IsValid);
        Assert.Equal(2, _requests);
        Assert.Equal(2, cache.FetchCount);
    }

    [Fact]
    public async Task Authenticate_UnknownKid_RefetchesRateLimitedAndFindsRotatedKey()
    {
        var (_, authenticator) = Create();
        Assert.True((await Run(authenticator, Token("rsa-1"))).IsValid);

        // The issuer rotates in a new key; tokens with its kid arrive within the rate-limit window.
        Volatile.Write(ref _jwks, OpenSslJwtIssuer.Jwks(_issuer.RsaJwk, _issuer.Rsa2Jwk));
        var rotated = Token("rsa-2", "rsa2.pem");
        var early = await Run(authenticator, rotated);
        Assert.False(early.IsValid);
        Assert.Equal(1, _requests);

        _time.Advance(TimeSpan.FromSeconds(31));
        Assert.True((await Run(authenticator, rotated)).IsValid);
        Assert.Equal(2, _requests);

        // Made-up kids cannot force more fetches inside the window.
        for (var i = 0; i < 5; i++)
        {
            Assert.False((await Run(authenticator, Token("made-up-" + i))).IsValid);
        }

        Assert.Equal(2, _requests);
    }

    [Fact]
    public async Task Authenticate_JwksServerFailsAfterFirstFetch_KeepsUsingLastGoodKeys()
    {
        var (_, authenticator) = Create();
        Assert.True((await Run(authenticator, Token("rsa-1"))).IsValid);

        _status = 500;
        _time.Advance(TimeSpan.FromMinutes(21));
        var result = await Run(authenticator, Token("rsa-1"));

        Assert.True(result.IsValid, result.Reason);
        Assert.Equal(2, _requests);
    }

    [Fact]
    public async Task Authenticate_JwksNeverAvailable_IsInvalidNotException()
    {
        _status = 503;
        var (_, authenticator) = Create();

        var result = await Run(authenticator, Token("rsa-1"));

        Assert.Equal(JwtStatus.Invalid, result.Status);
    }
}
