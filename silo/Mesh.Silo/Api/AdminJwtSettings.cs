namespace Mesh.Silo.Api;

/// <summary>
/// OpenID Connect bearer tokens for the admin API, beside the static tokens: an operator signs in with the company's
/// identity provider and sends its JWT. Off unless <see cref="Authority"/> or <see cref="MetadataAddress"/> is set.
/// The token's <see cref="RoleClaim"/> must carry <see cref="AdminRole"/> (writes) or <see cref="ReadOnlyRole"/>.
/// </summary>
internal sealed record AdminJwtSettings
{
    /// <summary>The issuer; its signing keys come from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; init; }

    /// <summary>The discovery document's address, when it is not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; init; }

    /// <summary>The audience the token must name (its <c>aud</c>); required, so a token minted for another application is refused.</summary>
    public string? Audience { get; init; }

    /// <summary>The claim holding the caller's roles: a string or an array of strings.</summary>
    public string RoleClaim { get; init; } = "roles";

    public string AdminRole { get; init; } = "mesh-admin";

    public string ReadOnlyRole { get; init; } = "mesh-viewer";

    /// <summary>Discovery and keys over HTTPS only; turn off only for a provider on loopback.</summary>
    public bool RequireHttpsMetadata { get; init; } = true;

    /// <summary>Clock skew allowed on <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromSeconds(30);

    public bool Enabled => !string.IsNullOrWhiteSpace(Authority) || !string.IsNullOrWhiteSpace(MetadataAddress);

    /// <summary>The first setting that makes the configuration unusable, or null.</summary>
    public string? Problem()
    {
        if (!Enabled)
        {
            return null;
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            return "Mesh:AdminJwt:Audience is required when Mesh:AdminJwt:Authority or MetadataAddress is set";
        }

        foreach (var (name, value) in new[] { ("Authority", Authority), ("MetadataAddress", MetadataAddress) })
        {
            if (!string.IsNullOrWhiteSpace(value) && (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http")))
            {
                return $"Mesh:AdminJwt:{name} '{value}' is not an absolute http(s) URL";
            }
        }

        if (string.IsNullOrWhiteSpace(RoleClaim) || string.IsNullOrWhiteSpace(AdminRole) || string.IsNullOrWhiteSpace(ReadOnlyRole))
        {
            return "Mesh:AdminJwt:RoleClaim, AdminRole and ReadOnlyRole must not be empty";
        }

        return AdminRole == ReadOnlyRole ? "Mesh:AdminJwt:AdminRole and ReadOnlyRole must differ" : null;
    }
}
