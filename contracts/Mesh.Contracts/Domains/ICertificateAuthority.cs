namespace Mesh.Contracts.Domains;

/// <summary>The CA domain: signs workload certificate requests and publishes the trust bundle.</summary>
public interface ICertificateAuthority
{
    /// <summary>Signs a PKCS#10 CSR (PEM) for the given SPIFFE identity; returns the certificate chain as PEM.</summary>
    Task<SignedCertificate> SignAsync(string csrPem, WorkloadIdentity identity, TimeSpan? ttl, CancellationToken cancellationToken);

    /// <summary>All roots workloads must trust, as PEM.</summary>
    Task<string> GetTrustBundleAsync(CancellationToken cancellationToken);
}

public sealed record WorkloadIdentity(string TrustDomain, string Namespace, string ServiceAccount)
{
    public string SpiffeId => $"spiffe://{TrustDomain}/ns/{Namespace}/sa/{ServiceAccount}";
}

public sealed record SignedCertificate(string CertificateChainPem, string SerialNumber, DateTimeOffset NotAfter);
