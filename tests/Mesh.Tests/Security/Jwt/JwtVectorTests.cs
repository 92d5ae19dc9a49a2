using Mesh.Contracts.Istio.Security;
using Mesh.Security;
using Mesh.Security.Jwt;
using JsonWebKeySet = Microsoft.IdentityModel.Tokens.JsonWebKeySet;

namespace Mesh.Tests.Security.Jwt;

public sealed class JwtVectorTests : IClassFixture<OpenSslJwtIssuer>
{
    private const string Issuer = "https://issuer.example";
    private readonly OpenSslJwtIssuer _issuer;
    private readonly ManualTimeProvider _time = new();

    public JwtVectorTests(OpenSslJwtIssuer issuer) => _issuer = issuer;

    private long Now => _time.GetUtcNow().ToUnixTimeSeconds();

    private string Payload(string iss = Issuer, string aud = "\"shop\"", long? exp = null, long? nbf = null) =>
        $$"""{"iss":"{{iss}}","sub":"user-1","aud":{{aud}},"exp":{{exp ?? Now + 600}}{{(nbf is null ? "" : $",\"nbf\":{nbf}")}},"groups":["dev"]}""";

    private WorkloadJwtAuthenticator Authenticator(JwtRule? rule = null)
    {
        rule ??= new JwtRule { Issuer = Issuer, Audiences = ["shop", "other"], Jwks = OpenSslJwtIssuer.Jwks(_issuer.RsaJwk, _issuer.EcJwk) };
        var spec = new RequestAuthenticationSpec { JwtRules = [rule] };
        return RequestAuthenticator.Create([new("shop", "jwt", spec)], new ThrowingJwksSource(), _time).ForWorkload("shop", null);
    }

    private Task<JwtResult> Authenticate(string? bearer, WorkloadJwtAuthenticator? authenticator = null) =>
        (authenticator ?? Authenticator()).AuthenticateAsync(Sources(bearer is null ? [] : new() { ["Authorization"] = "Bearer " + bearer }), CancellationToken.None).AsTask();

    internal static TokenSources Sources(Dictionary<string, string> headers, Dictionary<string, string>? query = null) =>
        new(h => headers.TryGetValue(h, out var v) ? v : null, q => query is not null && query.TryGetValue(q, out var v) ? v : null);

    [Fact]
    public async Task Authenticate_GoodRs256FromOpenSsl_IsValidWithPrincipalAndClaims()
    {
        var result = await Authenticate(_issuer.Sign("RS256", "rsa-1", Payload()));

        Assert.Equal(JwtStatus.Valid, result.Status);
        Assert.Equal("https://issuer.example/user-1", result.RequestPrincipal);
        Assert.Equal("dev", result.Claims!.Value.GetProperty("groups")[0].GetString());
        Assert.Equal(new TokenLocation(TokenLocationKind.Header, "Authorization"), result.Location);
    }

    [Fact]
    public async Task Authenticate_GoodEs256FromOpenSsl_IsValid()
    {
        var result = await Authenticate(_issuer.Sign("ES256", "ec-1", Payload()));

        Assert.True(result.IsValid, result.Reason);
    }

    [Fact]
    public async Task Authenticate_GoodPs256FromOpenSsl_IsValid()
    {
        var result = await Authenticate(_issuer.Sign("PS256", "rsa-1", Payload()));

        Assert.True(result.IsValid, result.Reason);
    }

    public static TheoryData<string, string> BadVectors => new()
    {
        { "expired", "expired" },
        { "not-yet-valid", "not yet valid" },
        { "wrong-issuer", "issuer is not configured" },
        { "wrong-audience", "audience" },
        { "unknown-kid", "kid" },
        { "tampered-payload", "signature" },
        { "alg-none", "'none'" },
        { "hs256-key-confusion", "symmetric" },
        { "alg-kty-mismatch", "algorithm 'ES256'" },
        { "es256-signature-of-other-payload", "signature" },
    };

    [Theory]
    [MemberData(nameof(BadVectors))]
    public async Task Authenticate_BadVector_IsInvalidWithReason(string vector, string reason)
    {
        var token = vector switch
        {
            "expired" => _issuer.Sign("RS256", "rsa-1", Payload(exp: Now - 61 - 5)),
            "not-yet-valid" => _issuer.Sign("RS256", "rsa-1", Payload(nbf: Now + 120)),
            "wrong-issuer" => _issuer.Sign("RS256", "rsa-1", Payload(iss: "https://evil.example")),
            "wrong-audience" => _issuer.Sign("RS256", "rsa-1", Payload(aud: "[\"billing\",\"ads\"]")),
            "unknown-kid" => _issuer.Sign("RS256", "rsa-9", Payload()),
            "tampered-payload" => Tamper(_issuer.Sign("RS256", "rsa-1", Payload())),
            "alg-none" => OpenSslJwtIssuer.Unsigned(Payload()),
            "hs256-key-confusion" => _issuer.Sign("HS256", "rsa-1", Payload()),
            "alg-kty-mismatch" => _issuer.Sign("ES256", "rsa-1", Payload()),
            "es256-signature-of-other-payload" => Retag(_issuer.Sign("ES256", "ec-1", Payload())),
            _ => throw new ArgumentException(vector),
        };

        var result = await Authenticate(token);

        Assert.Equal(JwtStatus.Invalid, result.Status);
        Assert.Contains(reason, result.Reason);
        Assert.DoesNotContain(token, result.Reason);
    }

    [Fact]
    public async Task Authenticate_ExpiredWithinClockSkew_IsValid()
    {
        var result = await Authenticate(_issuer.Sign("RS256", "rsa-1", Payload(exp: Now - 30)));

        Assert.True(result.IsValid, result.Reason);
    }

    [Fact]
    public async Task Authenticate_LifetimeOnInjectedClock_NotSystemClock()
    {
        // Valid on the workload's clock years ago, long expired on the system clock; and the reverse.
        _time.Set(new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var past = await Authenticate(_issuer.Sign("RS256", "rsa-1", Payload()));
        var current = await Authenticate(_issuer.Sign("RS256", "rsa-1", Payload(exp: DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 600, nbf: DateTimeOffset.UtcNow.ToUnixTimeSeconds())));

        Assert.True(past.IsValid, past.Reason);
        Assert.Contains("not yet valid", current.Reason);
    }

    [Fact]
    public async Task Authenticate_AudienceArrayIntersects_IsValid()
    {
        var result = await Authenticate(_issuer.Sign("ES256", "ec-1", Payload(aud: "[\"ads\",\"other\"]")));

        Assert.True(result.IsValid, result.Reason);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("a.b")]
    [InlineData("a.b.c.d")]
    [InlineData("!!!.???.***")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln")]
    [InlineData("bm90IGpzb24.eyJpc3MiOiJ4In0.c2ln")]
    [InlineData("W10.W10.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9==.eyJpc3MiOiJ4In0.c2ln")]
    // Found by coverage-guided fuzzing (fuzz/Mesh.Fuzz, target "jwt"), each escaped AuthenticateAsync as an exception:
    // a segment of a length no base64 has (FormatException from Base64Url.TryDecodeFromChars) ...
    [InlineData("eyJhbGciOiJFUzI1NiJ9.e30.A")]
    // ... and strings the JSON parser keeps raw until read: invalid UTF-8 and escaped lone surrogates (InvalidOperationException).
    [InlineData("eyJhbGciOiL_In0.e30.c2ln")]
    [InlineData("eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiLDKCJ9.c2ln")]
    [InlineData("eyJhbGciOiJFUzI1NiIsImtpZCI6Ilx1ZDgwMCJ9.e30.c2ln")]
    public async Task Authenticate_MalformedToken_IsInvalidWithoutThrowing(string token)
    {
        var result = await Authenticate(token);

        Assert.Equal(JwtStatus.Invalid, result.Status);
    }

    [Fact]
    public async Task Authenticate_OversizedToken_IsInvalid()
    {
        var result = await Authenticate(new string('a', 20_000) + ".b.c");

        Assert.Contains("larger than", result.Reason);
    }

    [Fact]
    public async Task Authenticate_NoToken_IsNoToken()
    {
        Assert.Equal(JwtStatus.NoToken, (await Authenticate(null)).Status);
    }

    [Fact]
    public async Task Authenticate_LowercaseBearerAndAccessTokenParam_AreDefaultLocations()
    {
        var token = _issuer.Sign("RS256", "rsa-1", Payload());
        var authenticator = Authenticator();

        var header = await authenticator.AuthenticateAsync(Sources(new() { ["Authorization"] = "bearer " + token }), CancellationToken.None);
        var query = await authenticator.AuthenticateAsync(Sources([], new() { ["access_token"] = token }), CancellationToken.None);

        Assert.True(header.IsValid, header.Reason);
        Assert.True(query.IsValid, query.Reason);
        Assert.Equal(new TokenLocation(TokenLocationKind.QueryParameter, "access_token"), query.Location);
    }

    [Fact]
    public async Task Authenticate_CustomFromHeaders_UsesOnlyThatLocation()
    {
        var token = _issuer.Sign("RS256", "rsa-1", Payload());
        var authenticator = Authenticator(new JwtRule
        {
            Issuer = Issuer,
            Jwks = OpenSslJwtIssuer.Jwks(_issuer.RsaJwk),
            FromHeaders = [new JwtHeader { Name = "x-jwt-assertion", Prefix = "Token " }],
            FromParams = ["jwt"],
        });

        var custom = await authenticator.AuthenticateAsync(Sources(new() { ["x-jwt-assertion"] = "Token " + token }), CancellationToken.None);
        var param = await authenticator.AuthenticateAsync(Sources([], new() { ["jwt"] = token }), CancellationToken.None);
        var defaultHeader = await authenticator.AuthenticateAsync(Sources(new() { ["Authorization"] = "Bearer " + token }), CancellationToken.None);

        Assert.True(custom.IsValid, custom.Reason);
        Assert.True(param.IsValid, param.Reason);
        Assert.Equal(JwtStatus.NoToken, defaultHeader.Status);
    }

    [Fact]
    public void Create_InvalidRules_ThrowsNamingFields()
    {
        var spec = new RequestAuthenticationSpec { JwtRules = [new JwtRule { Issuer = "" }, new JwtRule { Issuer = "x", Jwks = "{\"keys\":[{\"kty\":\"oct\",\"k\":\"c2VjcmV0\"}]}" }, new JwtRule { Issuer = "y", JwksUri = "ftp://x" }] };

        var ex = Assert.Throws<PolicyValidationException>(() => RequestAuthenticator.Create([new("shop", "bad", spec)], new ThrowingJwksSource(), _time));

        Assert.Contains("jwtRules[0].issuer", ex.Message);
        Assert.Contains("jwtRules[1].jwks: JWKS contains no usable", ex.Message);
        Assert.Contains("jwtRules[2].jwksUri", ex.Message);
    }

    private static string Tamper(string token)
    {
        var parts = token.Split('.');
        parts[1] = OpenSslJwtIssuer.B64("""{"iss":"https://issuer.example","sub":"admin","aud":"shop","exp":9999999999}""");
        return string.Join('.', parts);
    }

    /// <summary>Keeps the header and signature but swaps in the payload of another validly signed token.</summary>
    private string Retag(string token)
    {
        var parts = token.Split('.');
        var payload = System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(parts[1].Replace('-', '+').Replace('_', '/').PadRight((parts[1].Length + 3) / 4 * 4, '=')));
        var other = _issuer.Sign("ES256", "ec-1", payload.Replace("user-1", "user-2", StringComparison.Ordinal));
        return parts[0] + "." + other.Split('.')[1] + "." + parts[2];
    }

    private sealed class ThrowingJwksSource : IJwksSource
    {
        public ValueTask<JsonWebKeySet> GetAsync(string jwksUri, bool unknownKeyId, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("inline JWKS tests must not fetch");
    }
}
