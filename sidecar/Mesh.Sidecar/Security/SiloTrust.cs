using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Ca;
using Mesh.Security.Identity;
using Mesh.Sidecar.Hosting;

namespace Mesh.Sidecar.Security;

/// <summary>
/// How the sidecar verifies an <c>https://</c> silo. With <c>--silo-ca</c> it trusts only that mesh trust bundle and
/// requires the silo's SPIFFE identity (<c>--silo-identity</c>, by default the built-in CA's
/// <c>spiffe://cluster.local/ns/istio-system/sa/mesh-silo</c>), the same way sidecars verify each other. Without it,
/// the machine's trust store and host-name checks apply (an operator certificate).
/// </summary>
internal sealed class SiloTrust
{
    private readonly TrustBundle? _bundle;
    private readonly SpiffeId? _identity;
    private readonly PeerCertificateValidator _validator = new(TimeProvider.System);

    public SiloTrust(SidecarOptions options)
    {
        if (options.SiloCaFile is not { } file)
        {
            return;
        }

        _bundle = TrustBundle.FromPem(File.ReadAllText(file));
        var identity = options.SiloIdentity ?? "spiffe://cluster.local/ns/istio-system/sa/mesh-silo";
        _identity = SpiffeId.TryParse(identity, out var parsed) ? parsed : throw new SidecarOptionsException($"--silo-identity '{identity}' is not a SPIFFE ID");
    }

    /// <summary>Null when the default (system) validation applies.</summary>
    public RemoteCertificateValidationCallback? Callback => _bundle is null ? null : Validate;

    private bool Validate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null && chain is not null && _validator.Validate(certificate, chain, _bundle!.ToCollection(), _identity).IsValid;
}
