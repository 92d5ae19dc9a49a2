using System.Text;
using Mesh.Security.Ca;
using Mesh.Security.Identity;

namespace Mesh.Fuzz.Security;

/// <summary>
/// A CSR (PEM text) signed into an X.509-SVID, as <c>POST /certificates</c> does. The documented error is
/// <see cref="InvalidCsrException"/> (the API's 400).
/// </summary>
internal static class CsrTarget
{
    // One CA per process: creating a key pair per input would dominate the run.
    private static readonly CertificateAuthority Authority = new(
        CaCredential.CreateSelfSignedRoot("cluster.local", CaKeyAlgorithm.EcdsaP256, TimeProvider.System),
        new CertificateAuthorityOptions { TrustDomain = "cluster.local" },
        TimeProvider.System);

    private static readonly SpiffeId Identity = SpiffeId.ForWorkload("cluster.local", "default", "web");

    public static void Issue(byte[] input)
    {
        try
        {
            var issued = Authority.Issue(Encoding.UTF8.GetString(input), Identity);
            if (!issued.CertificateChainPem.StartsWith("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal))
            {
                throw new FuzzPropertyException("the CA issued something that is not a PEM certificate");
            }
        }
        catch (InvalidCsrException)
        {
        }
    }
}
