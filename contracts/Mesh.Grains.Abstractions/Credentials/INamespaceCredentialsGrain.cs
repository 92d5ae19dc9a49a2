namespace Mesh.Grains.Credentials;

/// <summary>
/// The TLS credentials of one namespace (key: the namespace), what Istio keeps in Kubernetes secrets and names by
/// <c>credentialName</c>. One activation per namespace serializes its changes; it holds private keys only sealed by
/// the key-encryption key, so they never cross the silo network or reach storage in the clear.
/// </summary>
public interface INamespaceCredentialsGrain : IGrainWithStringKey
{
    /// <summary>Creates or replaces a credential; returns whether it existed before.</summary>
    Task<bool> PutAsync(SealedCredential credential, CancellationToken cancellationToken = default);

    Task<SealedCredential?> GetAsync(string name, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<SealedCredential>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Returns whether it existed.</summary>
    Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default);
}

/// <summary>
/// A stored credential: the public certificate chain and CA bundle (either may be absent: Istio allows a CA-only
/// secret), and the private key sealed by the KEK, bound to the namespace and name.
/// </summary>
[GenerateSerializer]
[Alias("mesh.credentials.sealed.v1")]
public sealed record SealedCredential(
    [property: Id(0)] string Name,
    [property: Id(1)] string? CertificateChainPem,
    [property: Id(2)] string? SealedPrivateKey,
    [property: Id(3)] string? CaCertificatesPem,
    [property: Id(4)] DateTimeOffset UpdatedAt)
{
    public override string ToString() => $"SealedCredential({Name})";
}
