using System.Security.Cryptography;
using System.Text;

namespace Mesh.Silo.Api;

internal enum ApiRole
{
    ReadOnly,
    Admin,
}

/// <summary>
/// Bearer-token roles for the admin API. No token or an unknown token is 401; a known token without the needed role
/// is 403. Static tokens are compared by SHA-256 digest in constant time; JWTs from an OpenID Connect provider are
/// validated by <see cref="AdminJwtAuthentication"/>. No token is ever logged or echoed.
/// </summary>
internal sealed class AdminAuthorization
{
    private readonly List<(byte[] Digest, ApiRole Role)> _tokens = [];
    private readonly bool _protectReads;
    private readonly AdminJwtSettings _jwt;

    public AdminAuthorization(SiloOptions options)
    {
        _protectReads = options.ProtectReads;
        _jwt = options.AdminJwt;
        var admin = options.AdminToken ?? Environment.GetEnvironmentVariable("MESH_ADMIN_TOKEN");
        if (!string.IsNullOrEmpty(admin))
        {
            _tokens.Add((Digest(admin), ApiRole.Admin));
        }

        foreach (var token in options.ReadOnlyTokens.Where(t => !string.IsNullOrEmpty(t)))
        {
            _tokens.Add((Digest(token), ApiRole.ReadOnly));
        }
    }

    public bool HasAdminToken => _tokens.Any(t => t.Role == ApiRole.Admin) || _jwt.Enabled;

    /// <summary>
    /// Null when allowed, otherwise the status and message to answer with. A static token is checked first; any other
    /// bearer token goes to the OpenID Connect validation when <c>Mesh:AdminJwt</c> is configured.
    /// </summary>
    public async Task<(int Status, string Message)?> CheckAsync(HttpContext context, ApiRole required)
    {
        var request = context.Request;
        if (required == ApiRole.ReadOnly && !_protectReads)
        {
            return null;
        }

        var header = request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
        {
            return (401, HasAdminToken
                ? "a bearer token is required (Authorization: Bearer <token>)"
                : "no admin token is configured on this silo (set Mesh__AdminToken or MESH_ADMIN_TOKEN)");
        }

        var digest = Digest(header[7..].Trim());
        ApiRole? role = null;
        foreach (var (known, knownRole) in _tokens)
        {
            if (CryptographicOperations.FixedTimeEquals(known, digest))
            {
                role = knownRole;
            }
        }

        if (role is null && _jwt.Enabled)
        {
            var (jwtRole, status, message) = await AdminJwtAuthentication.AuthenticateAsync(context, _jwt);
            if (jwtRole is null)
            {
                return (status, message);
            }

            role = jwtRole;
        }

        return role switch
        {
            null => (401, "the bearer token is not valid"),
            ApiRole.ReadOnly when required == ApiRole.Admin => (403, "the token's role is read-only; this operation needs the admin role"),
            _ => null,
        };
    }

    private static byte[] Digest(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));
}

internal static class AuthorizationEndpointExtensions
{
    /// <summary>Requires the given role on every endpoint of the builder.</summary>
    public static TBuilder RequireApiRole<TBuilder>(this TBuilder builder, ApiRole role)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilter(async (context, next) =>
        {
            if (!await context.HttpContext.TryAuthorizeAsync(role))
            {
                return Results.Empty;
            }

            return await next(context);
        });

    /// <summary>
    /// Checks the request's bearer token for <paramref name="role"/>; when refused, writes the 401/403 (with
    /// <c>WWW-Authenticate</c> on 401) and returns false. Shared by the API groups and the subscription upgrade.
    /// </summary>
    public static async Task<bool> TryAuthorizeAsync(this HttpContext context, ApiRole role)
    {
        if (await context.RequestServices.GetRequiredService<AdminAuthorization>().CheckAsync(context, role) is not { } refusal)
        {
            return true;
        }

        if (refusal.Status == 401)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        await ApiErrors.Write(context, refusal.Status, refusal.Message, "Authorization");
        return false;
    }
}
