using System.Text;
using Mesh.Contracts.Istio.Security;
using Mesh.Security;
using Mesh.Security.Jwt;
using JsonWebKeySet = Microsoft.IdentityModel.Tokens.JsonWebKeySet;

namespace Mesh.Fuzz.Security;

/// <summary>
/// A RequestAuthentication rule with an inline JWKS (the input's first line) authenticating a request whose
/// <c>Authorization: Bearer</c> header carries the rest of the input. Documented errors: an unusable JWKS makes
/// <see cref="RequestAuthenticator.Create"/> throw <see cref="PolicyValidationException"/>; a bad token is an
/// <see cref="JwtStatus.Invalid"/> result, never an exception.
/// </summary>
internal static class JwtTarget
{
    public const string Issuer = "https://issuer.fuzz.example";
    public const string Audience = "fuzz";

    // A fixed clock, so a token's exp/nbf decide the same way on every run.
    public static readonly DateTimeOffset Now = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public static void Authenticate(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        var newline = text.IndexOf('\n');
        var jwks = newline < 0 ? text : text[..newline];
        var token = newline < 0 ? "" : text[(newline + 1)..];
        var spec = new RequestAuthenticationSpec
        {
            JwtRules = [new JwtRule { Issuer = Issuer, Jwks = jwks, Audiences = [Audience] }],
        };

        RequestAuthenticator authenticator;
        try
        {
            authenticator = RequestAuthenticator.Create([new PolicyEntry<RequestAuthenticationSpec>("default", "fuzz", spec)], NoRemoteJwks.Instance, new FixedTime(Now));
        }
        catch (PolicyValidationException)
        {
            return;
        }

        var sources = new TokenSources(
            name => name.Equals("Authorization", StringComparison.OrdinalIgnoreCase) ? "Bearer " + token : null,
            name => name == "access_token" ? token : null);
        var result = authenticator.ForWorkload("default", null).AuthenticateAsync(sources, CancellationToken.None).AsTask().GetAwaiter().GetResult();
        if (result.Status == JwtStatus.Invalid && string.IsNullOrEmpty(result.Reason))
        {
            throw new FuzzPropertyException("an invalid token was refused without a reason");
        }

        if (result.IsValid && result.RequestPrincipal is null)
        {
            throw new FuzzPropertyException("a valid token has no request principal");
        }
    }

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }

    private sealed class NoRemoteJwks : IJwksSource
    {
        public static readonly NoRemoteJwks Instance = new();

        public ValueTask<JsonWebKeySet> GetAsync(string jwksUri, bool unknownKeyId, CancellationToken cancellationToken) =>
            throw new FuzzPropertyException("an inline JWKS rule fetched a remote JWKS");
    }
}
