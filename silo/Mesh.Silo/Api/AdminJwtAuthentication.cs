using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Silo.Api;

/// <summary>A setting the silo cannot start with; the message names it.</summary>
internal sealed class SiloConfigurationException(string message) : Exception(message);

/// <summary>
/// Validates OpenID Connect JWTs with ASP.NET Core's JwtBearer handler (discovery, key rotation and refresh are the
/// library's), and maps the token's role claim to an <see cref="ApiRole"/>.
/// </summary>
internal static class AdminJwtAuthentication
{
    public const string Scheme = "mesh-admin-jwt";

    // Signing keys come from the provider's JWKS; a symmetric algorithm would let anyone holding a public key mint tokens.
    private static readonly string[] AsymmetricAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    public static IServiceCollection AddAdminJwt(this IServiceCollection services, AdminJwtSettings settings)
    {
        if (!settings.Enabled)
        {
            return services;
        }

        if (settings.Problem() is { } problem)
        {
            throw new SiloConfigurationException(problem);
        }

        services.AddAuthentication().AddJwtBearer(Scheme, o =>
        {
            o.Authority = settings.Authority;
            if (!string.IsNullOrWhiteSpace(settings.MetadataAddress))
            {
                o.MetadataAddress = settings.MetadataAddress;
            }

            o.Audience = settings.Audience;
            o.RequireHttpsMetadata = settings.RequireHttpsMetadata;
            // Claim names stay as the provider wrote them, so RoleClaim means what the operator sees in the token.
            o.MapInboundClaims = false;
            o.TokenValidationParameters.ValidAudience = settings.Audience;
            o.TokenValidationParameters.ClockSkew = settings.ClockSkew;
            o.TokenValidationParameters.RoleClaimType = settings.RoleClaim;
            o.TokenValidationParameters.ValidAlgorithms = AsymmetricAlgorithms;
        });
        return services;
    }

    /// <summary>The role a JWT grants, or the 401/403 refusal; never echoes the token.</summary>
    public static async Task<(ApiRole? Role, int Status, string Message)> AuthenticateAsync(HttpContext context, AdminJwtSettings settings)
    {
        var result = await context.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
        {
            return (null, 401, $"the bearer token is not valid: {Reason(result.Failure)}");
        }

        var principal = result.Principal;
        if (principal.HasClaim(settings.RoleClaim, settings.AdminRole))
        {
            return (ApiRole.Admin, 0, "");
        }

        if (principal.HasClaim(settings.RoleClaim, settings.ReadOnlyRole))
        {
            return (ApiRole.ReadOnly, 0, "");
        }

        return (null, 403, $"the token's '{settings.RoleClaim}' claim has neither '{settings.AdminRole}' nor '{settings.ReadOnlyRole}'");
    }

    /// <summary>Why a token was refused, in words that name the claim at fault rather than the library's error codes.</summary>
    private static string Reason(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "it has expired (exp)",
        SecurityTokenNotYetValidException => "it is not valid yet (nbf)",
        SecurityTokenInvalidAudienceException => "its audience (aud) is not this silo's",
        SecurityTokenInvalidIssuerException => "its issuer (iss) is not the configured authority",
        SecurityTokenInvalidAlgorithmException => "its signing algorithm (alg) is not an asymmetric one",
        SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException => "its signature does not verify with the provider's keys",
        SecurityTokenMalformedException => "it is not a well-formed JWT",
        InvalidOperationException => "the identity provider's keys could not be fetched",
        null => "no token",
        _ => "it was refused",
    };
}
