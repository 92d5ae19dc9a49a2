namespace Mesh.Security.Jwt;

/// <summary>Caching policy for remote JWKS documents.</summary>
public sealed record JwksCacheOptions
{
    /// <summary>How long a fetched JWKS is used before it is refetched (Istio's default is 20 minutes).</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromMinutes(20);

    /// <summary>Least time between two fetches of one URI, so tokens with made-up kids cannot hammer the issuer.</summary>
    public TimeSpan MinimumRefetchInterval { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan FetchTimeout { get; init; } = TimeSpan.FromSeconds(5);

    public int MaxDocumentBytes { get; init; } = 512 * 1024;
}
