using System.Net;
using System.Text.RegularExpressions;

namespace Mesh.Istio.Validation;

/// <summary>Kubernetes name rules: DNS-1123 labels (≤ 63) and subdomains (≤ 253, dot-separated labels).</summary>
public static partial class Dns1123
{
    public static bool IsLabel(string? value) => value is { Length: > 0 and <= 63 } && Label().IsMatch(value);

    public static bool IsSubdomain(string? value) =>
        value is { Length: > 0 and <= 253 } && value.Split('.').All(IsLabel);

    /// <summary>An IP address or a DNS name (labels may contain upper case; the wildcard form is not an address).</summary>
    public static bool IsAddress(string? value) =>
        value is { Length: > 0 } && (IPAddress.TryParse(value, out _) || (value.Length <= 253 && value.Split('.').All(l => l.Length is > 0 and <= 63 && HostLabel().IsMatch(l))));

    /// <summary><c>name</c> or <c>namespace/name</c>, both parts non-empty (gateway references, gateway server hosts).</summary>
    public static bool IsOptionallyNamespaced(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Split('/') is { Length: 1 or 2 } parts && parts.All(p => p.Length > 0);

    /// <summary>An IP address or a CIDR block such as 10.0.0.0/8 (TCP/TLS match destination subnets).</summary>
    public static bool IsSubnet(string? value) =>
        value is { Length: > 0 } && (IPAddress.TryParse(value, out _) || IPNetwork.TryParse(value, out _));

    // \z, not $: "$" also matches before a final "\n", which let "default\n" through as a namespace.
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?\\z")]
    private static partial Regex Label();

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_]*[A-Za-z0-9])?\\z")]
    private static partial Regex HostLabel();
}
