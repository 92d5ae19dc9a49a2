using System.Net;
using System.Text.Json;

namespace Mesh.Security.Authorization;

/// <summary>
/// The attributes of one inbound request that AuthorizationPolicy rules test. The sidecar fills it from the mTLS peer
/// certificate, the connection and the HTTP request; <see cref="Claims"/>/<see cref="RequestPrincipal"/> come from a
/// validated JWT.
/// </summary>
public sealed record RequestContext
{
    /// <summary>Peer identity without <c>spiffe://</c>, e.g. <c>cluster.local/ns/default/sa/sleep</c>; null without mTLS.</summary>
    public string? Principal { get; init; }

    /// <summary>Peer namespace; when null it is read from <see cref="Principal"/>'s <c>/ns/{ns}/</c> segment.</summary>
    public string? SourceNamespace { get; init; }

    /// <summary>Address of the directly connected peer (<c>source.ip</c>, <c>ipBlocks</c>).</summary>
    public IPAddress? SourceIp { get; init; }

    /// <summary>Original client address, e.g. from X-Forwarded-For (<c>remote.ip</c>, <c>remoteIpBlocks</c>); defaults to <see cref="SourceIp"/>.</summary>
    public IPAddress? RemoteIp { get; init; }

    public IPAddress? DestinationIp { get; init; }

    public int DestinationPort { get; init; }

    public string Method { get; init; } = "GET";

    /// <summary>Request path; any query string is ignored for matching.</summary>
    public string Path { get; init; } = "/";

    /// <summary>Host/authority header, possibly with a port.</summary>
    public string? Host { get; init; }

    /// <summary>TLS SNI of the inbound connection (<c>connection.sni</c>).</summary>
    public string? Sni { get; init; }

    /// <summary>Request headers. Looked up case-insensitively (pass a dictionary with an ignore-case comparer for speed).</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary><c>iss/sub</c> of a validated JWT; null when the request carried none.</summary>
    public string? RequestPrincipal { get; init; }

    /// <summary>The validated JWT payload (a JSON object); null when the request carried none.</summary>
    public JsonElement? Claims { get; init; }

    internal string? EffectiveNamespace =>
        SourceNamespace ?? (Principal is { } p && p.Split('/') is { Length: 5 } s && s[1] == "ns" && s[3] == "sa" ? s[2] : null);

    internal string? Header(string name)
    {
        if (Headers is null)
        {
            return null;
        }

        if (Headers.TryGetValue(name, out var value))
        {
            return value;
        }

        foreach (var (key, v) in Headers)
        {
            if (string.Equals(key, name, StringComparison.OrdinalIgnoreCase))
            {
                return v;
            }
        }

        return null;
    }
}
