using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;
using Mesh.Security.Identity;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Registration;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Asks the silo CA for an SVID: a CSR signed by a key that never leaves this process, authenticated by the join
/// token (first issue) or by the current certificate (renewal; the silo then requires the same key, whose CSR
/// self-signature proves possession).
/// </summary>
internal sealed class SvidClient(SiloApiClient silos, SidecarOptions options)
{
    private const string Path = "api/v1/certificates";

    public async Task<(WorkloadIdentity Identity, TrustBundle Bundle)> RequestAsync(ECDsa key, WorkloadIdentity? current, CancellationToken cancellationToken)
    {
        var csr = new CertificateRequest("CN=mesh-workload", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
        var body = new SigningRequest(csr, options.CertificateTtlSeconds, current?.ChainPem);
        var response = await silos.SendAsync<SigningResponse>(HttpMethod.Post, Path, body, current is null ? options.JoinToken : null, cancellationToken)
            ?? throw new SiloApiException($"POST {Path} returned no body");
        return (ToIdentity(response, key), TrustBundle.FromPem(response.TrustBundle));
    }

    private static WorkloadIdentity ToIdentity(SigningResponse response, ECDsa key)
    {
        var chain = new X509Certificate2Collection();
        chain.ImportFromPem(response.CertificateChain);
        if (chain.Count == 0 || !SpiffeId.TryParse(response.SpiffeId, out var id))
        {
            throw new SiloApiException("the silo's certificate response has no certificate or no valid SPIFFE ID");
        }

        using var leaf = chain[0];
        using var copied = leaf.CopyWithPrivateKey(key);
        var withKey = TlsKeyMaterial.UsableForTls(copied);
        chain.RemoveAt(0);
        return new WorkloadIdentity(withKey, chain, id, response.SerialNumber, response.CertificateChain);
    }

    internal sealed record SigningRequest(string Csr, long? TtlSeconds, string? CurrentCertificate);

    internal sealed record SigningResponse(string CertificateChain, string SerialNumber, string SpiffeId, DateTimeOffset NotAfter, string TrustBundle);
}
