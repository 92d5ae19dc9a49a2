namespace Mesh.Contracts.Istio.Security;

/// <summary>Spec of an Istio <c>RequestAuthentication</c> (security.istio.io): which JWTs a workload accepts.</summary>
public sealed record RequestAuthenticationSpec
{
    public WorkloadSelector? Selector { get; init; }

    public IReadOnlyList<JwtRule>? JwtRules { get; init; }
}

/// <summary>Istio <c>JWTRule</c>.</summary>
public sealed record JwtRule
{
    public string Issuer { get; set; } = "";

    public IReadOnlyList<string>? Audiences { get; init; }

    public string? JwksUri { get; init; }

    /// <summary>Inline JWKS document (a JSON string), used instead of <see cref="JwksUri"/>.</summary>
    public string? Jwks { get; init; }

    /// <summary>Where to look for the token; default is <c>Authorization: Bearer</c> and the <c>access_token</c> query parameter.</summary>
    public IReadOnlyList<JwtHeader>? FromHeaders { get; init; }

    public IReadOnlyList<string>? FromParams { get; init; }

    public IReadOnlyList<string>? FromCookies { get; init; }

    public string? OutputPayloadToHeader { get; init; }

    public bool ForwardOriginalToken { get; init; }

    public IReadOnlyList<ClaimToHeader>? OutputClaimToHeaders { get; init; }
}

/// <summary>Istio <c>JWTHeader</c>: a header carrying the token, with an optional prefix such as <c>"Bearer "</c>.</summary>
public sealed record JwtHeader
{
    public string Name { get; set; } = "";

    public string? Prefix { get; init; }
}

/// <summary>Istio <c>ClaimToHeader</c>.</summary>
public sealed record ClaimToHeader
{
    public string Header { get; set; } = "";

    public string Claim { get; set; } = "";
}
