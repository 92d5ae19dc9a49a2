using System.Text.Json;
using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Jwt;

/// <summary>Outcome of request authentication.</summary>
public enum JwtStatus
{
    /// <summary>No token in any configured location: the request passes unless an authorization policy requires a request principal.</summary>
    NoToken,

    /// <summary>A token was present and verified.</summary>
    Valid,

    /// <summary>A token was present but is not acceptable: answer 401.</summary>
    Invalid,
}

/// <summary>Where a token was found, so the proxy can strip it unless <c>forwardOriginalToken</c> is set.</summary>
public sealed record TokenLocation(TokenLocationKind Kind, string Name);

public enum TokenLocationKind
{
    Header,
    QueryParameter,
    Cookie,
}

/// <summary>Result of validating a request's JWT. <see cref="Reason"/> never contains the token.</summary>
public sealed record JwtResult
{
    public static readonly JwtResult NoToken = new() { Status = JwtStatus.NoToken };

    public JwtStatus Status { get; init; }

    /// <summary>Payload of a valid token (a JSON object), for <c>request.auth.claims[...]</c>.</summary>
    public JsonElement? Claims { get; init; }

    /// <summary><c>iss/sub</c> of a valid token, Istio's request principal.</summary>
    public string? RequestPrincipal { get; init; }

    /// <summary>The rule that accepted the token (for <c>outputPayloadToHeader</c>, <c>forwardOriginalToken</c>).</summary>
    public JwtRule? Rule { get; init; }

    /// <summary>The base64url payload segment, ready for <c>outputPayloadToHeader</c>.</summary>
    public string? PayloadSegment { get; init; }

    public TokenLocation? Location { get; init; }

    public string? Reason { get; init; }

    public bool IsValid => Status == JwtStatus.Valid;

    internal static JwtResult Invalid(string reason) => new() { Status = JwtStatus.Invalid, Reason = reason };
}
