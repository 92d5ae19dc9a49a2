namespace Mesh.Silo.Certificates;

/// <summary>
/// TLS of the silo's own endpoints, bound from <c>Mesh:Tls</c>. HTTPS is enabled by listening on an <c>https://</c>
/// URL; the certificate is either the operator's (standard <c>Kestrel:Certificates:Default</c> settings) or, with
/// <see cref="SelfIssued"/>, one the silo issues itself from the mesh CA, which sidecars verify with the trust bundle.
/// </summary>
internal sealed record SiloTlsSettings
{
    /// <summary>Serve HTTPS with a certificate from the mesh CA (SPIFFE ID <c>spiffe://{td}/ns/istio-system/sa/mesh-silo</c>).</summary>
    public bool SelfIssued { get; init; }

    /// <summary>DNS names and IP addresses put in the self-issued certificate besides the SPIFFE ID.</summary>
    public IReadOnlyList<string> Hosts { get; init; } = ["localhost", "127.0.0.1"];

    /// <summary>Ask TLS clients for a certificate (optional), so a sidecar can renew its SVID by presenting it.</summary>
    public bool AcceptClientCertificates { get; init; } = true;

    /// <summary>How often the self-issued certificate is checked for renewal (half its lifetime) or a new signer.</summary>
    public TimeSpan RefreshInterval { get; init; } = TimeSpan.FromSeconds(30);
}
