using System.Diagnostics.CodeAnalysis;

namespace Mesh.Security.Identity;

/// <summary>
/// A SPIFFE ID (<c>spiffe://trust-domain/path</c>) validated against the SPIFFE ID specification:
/// lowercase scheme, trust domain of <c>[a-z0-9.-_]</c>, no port, user info, query or fragment, and path
/// segments of <c>[A-Za-z0-9.-_]</c> without empty, <c>.</c> or <c>..</c> segments.
/// </summary>
public sealed record SpiffeId
{
    private const string Scheme = "spiffe://";
    private const int MaxLength = 2048;

    private SpiffeId(string trustDomain, string path)
    {
        TrustDomain = trustDomain;
        Path = path;
    }

    public string TrustDomain { get; }

    /// <summary>The path including its leading slash, e.g. <c>/ns/default/sa/web</c>; empty for a trust domain ID.</summary>
    public string Path { get; }

    /// <summary>The namespace when the path has Istio's <c>/ns/{ns}/sa/{sa}</c> shape, else null.</summary>
    public string? Namespace => IstioSegments() is { } s ? s[1] : null;

    /// <summary>The service account when the path has Istio's <c>/ns/{ns}/sa/{sa}</c> shape, else null.</summary>
    public string? ServiceAccount => IstioSegments() is { } s ? s[3] : null;

    /// <summary>Istio's principal form: the ID without <c>spiffe://</c>, e.g. <c>cluster.local/ns/default/sa/web</c>.</summary>
    public string Principal => TrustDomain + Path;

    /// <summary>Builds the Istio workload identity <c>spiffe://{trustDomain}/ns/{ns}/sa/{sa}</c>; throws <see cref="ArgumentException"/> on invalid parts.</summary>
    public static SpiffeId ForWorkload(string trustDomain, string ns, string serviceAccount) =>
        TryCreateWorkload(trustDomain, ns, serviceAccount, out var id, out var error) ? id : throw new ArgumentException($"Invalid workload identity: {error}");

    /// <summary>Builds <c>spiffe://{trustDomain}/ns/{ns}/sa/{sa}</c>, requiring namespace and service account to be single path segments.</summary>
    public static bool TryCreateWorkload(string trustDomain, string ns, string serviceAccount, [NotNullWhen(true)] out SpiffeId? id, out string error)
    {
        id = null;
        if (string.IsNullOrEmpty(ns) || ns.Contains('/'))
        {
            error = $"namespace '{ns}' must be a non-empty single path segment";
            return false;
        }

        if (string.IsNullOrEmpty(serviceAccount) || serviceAccount.Contains('/'))
        {
            error = $"service account '{serviceAccount}' must be a non-empty single path segment";
            return false;
        }

        return TryParse($"{Scheme}{trustDomain}/ns/{ns}/sa/{serviceAccount}", out id, out error);
    }

    /// <summary>Parses and validates a SPIFFE ID.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SpiffeId? id) => TryParse(value, out id, out _);

    /// <summary>Parses and validates a SPIFFE ID, returning the reason when it is invalid.</summary>
    public static bool TryParse(string? value, [NotNullWhen(true)] out SpiffeId? id, out string error)
    {
        id = null;
        error = Validate(value, out var trustDomain, out var path);
        if (error.Length > 0)
        {
            return false;
        }

        id = new SpiffeId(trustDomain, path);
        return true;
    }

    public override string ToString() => Scheme + TrustDomain + Path;

    private string[]? IstioSegments()
    {
        var segments = Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        return segments.Length == 4 && segments[0] == "ns" && segments[2] == "sa" ? segments : null;
    }

    private static string Validate(string? value, out string trustDomain, out string path)
    {
        trustDomain = path = "";
        if (string.IsNullOrEmpty(value))
        {
            return "SPIFFE ID is empty";
        }

        if (value.Length > MaxLength)
        {
            return $"SPIFFE ID is longer than {MaxLength} characters";
        }

        if (!value.StartsWith(Scheme, StringComparison.Ordinal))
        {
            return "SPIFFE ID must start with 'spiffe://'";
        }

        var rest = value.AsSpan(Scheme.Length);
        var slash = rest.IndexOf('/');
        var domain = slash < 0 ? rest : rest[..slash];
        if (domain.IsEmpty)
        {
            return "SPIFFE ID has an empty trust domain";
        }

        foreach (var c in domain)
        {
            if (!(c is >= 'a' and <= 'z' or >= '0' and <= '9' or '.' or '-' or '_'))
            {
                return $"trust domain contains invalid character '{c}'";
            }
        }

        var rawPath = slash < 0 ? ReadOnlySpan<char>.Empty : rest[slash..];
        foreach (var segment in rawPath.Length == 0 ? [] : rawPath[1..].ToString().Split('/'))
        {
            if (segment.Length == 0 || segment is "." or "..")
            {
                return "SPIFFE ID path has an empty, '.' or '..' segment";
            }

            foreach (var c in segment)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_'))
                {
                    return $"SPIFFE ID path contains invalid character '{c}'";
                }
            }
        }

        trustDomain = domain.ToString();
        path = rawPath.ToString();
        return "";
    }
}
