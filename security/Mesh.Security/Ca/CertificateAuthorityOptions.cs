namespace Mesh.Security.Ca;

/// <summary>Settings for issuing workload certificates (X.509-SVIDs).</summary>
public sealed record CertificateAuthorityOptions
{
    /// <summary>SPIFFE trust domain of issued identities.</summary>
    public string TrustDomain { get; init; } = "cluster.local";

    /// <summary>Lifetime when the caller asks for none.</summary>
    public TimeSpan DefaultWorkloadTtl { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Longest lifetime issued; longer requests are clamped to it.</summary>
    public TimeSpan MaxWorkloadTtl { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How far NotBefore is backdated so peers with slightly slow clocks accept a fresh certificate.</summary>
    public TimeSpan ClockSkew { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Smallest RSA modulus accepted in a CSR.</summary>
    public int MinimumRsaKeySize { get; init; } = 2048;
}
