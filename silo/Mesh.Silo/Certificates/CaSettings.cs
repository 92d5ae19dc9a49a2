using Mesh.Security.Ca;

namespace Mesh.Silo.Certificates;

/// <summary>Settings of the built-in CA, bound from <c>Mesh:Ca</c> (env <c>Mesh__Ca__TrustDomain</c>, ...).</summary>
internal sealed record CaSettings
{
    /// <summary>SPIFFE trust domain of every issued identity.</summary>
    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>Base64 of the 32-byte key that encrypts CA private keys in the store. Also env MESH_CA_KEK.</summary>
    public string? KeyEncryptionKey { get; init; }

    /// <summary>File holding the key-encryption key (32 raw bytes or base64).</summary>
    public string? KeyEncryptionKeyFile { get; init; }

    /// <summary>PEM certificate (chain) of a root or intermediate to import on first start instead of generating one.</summary>
    public string? RootCertFile { get; init; }

    /// <summary>PEM private key (unencrypted PKCS#8 or SEC1/PKCS#1) belonging to <see cref="RootCertFile"/>.</summary>
    public string? RootKeyFile { get; init; }

    /// <summary>Key type of generated roots.</summary>
    public CaKeyAlgorithm KeyAlgorithm { get; init; } = CaKeyAlgorithm.EcdsaP256;

    public TimeSpan RootValidity { get; init; } = TimeSpan.FromDays(3650);

    /// <summary>Workload certificate lifetime when the request names none.</summary>
    public TimeSpan DefaultWorkloadCertTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Longest workload certificate lifetime a request may ask for.</summary>
    public TimeSpan MaxWorkloadCertTtl { get; init; } = TimeSpan.FromDays(7);

    /// <summary>Join token lifetime when the request names none.</summary>
    public TimeSpan DefaultJoinTokenTtl { get; init; } = TimeSpan.FromHours(1);

    public TimeSpan MaxJoinTokenTtl { get; init; } = TimeSpan.FromDays(30);

    /// <summary>How long expired join tokens are kept (so a late attempt still reads "expired", not "unknown").</summary>
    public TimeSpan ExpiredJoinTokenRetention { get; init; } = TimeSpan.FromDays(1);

    /// <summary>How long records of expired workload certificates stay in the issued-certificate log.</summary>
    public TimeSpan IssuedCertificateRetention { get; init; } = TimeSpan.FromDays(30);

    public TimeSpan PruneInterval { get; init; } = TimeSpan.FromHours(1);

    public CertificateAuthorityOptions ToAuthorityOptions() => new()
    {
        TrustDomain = TrustDomain,
        DefaultWorkloadTtl = DefaultWorkloadCertTtl,
        MaxWorkloadTtl = MaxWorkloadCertTtl,
    };
}
