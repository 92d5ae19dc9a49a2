using System.Text.Json;
using Mesh.Contracts.Certificates;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;
using Mesh.Security.Ca;
using Mesh.Security.Jwt;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.State;

namespace Mesh.Sidecar.Security;

/// <summary>
/// The security half of a configuration apply: compiled before the routing swap (so an invalid policy rejects the
/// whole revision) and committed right after it. Also takes the trust bundle from the TrustBundle resource.
/// </summary>
internal sealed class SecurityConfig(SidecarOptions options, CertificateStore store, IJwksSource jwks, TimeProvider time)
{
    private static readonly ResourceKey BundleKey = new(ResourceKinds.TrustBundle, TrustBundleSpec.Namespace, TrustBundleSpec.Name);
    private volatile InboundPolicy _current = InboundPolicy.Open;

    /// <summary>Enforced only when this sidecar holds a certificate; without one it stays plaintext, as before mTLS.</summary>
    public bool Enabled => options.JoinToken is not null;

    public InboundPolicy Current => _current;

    public (InboundPolicy Policy, TrustBundle? Bundle) Prepare(ResourceState candidate, ProxyConfig config)
    {
        TrustBundle? bundle = null;
        if (candidate.Resources.TryGetValue(BundleKey, out var resource))
        {
            try
            {
                var spec = resource.Spec.Deserialize(MeshJson.Options.TypeInfo<TrustBundleSpec>());
                // Peer clusters' roots (federation) are trusted beside the mesh's own, each for its own trust domain only.
                IEnumerable<(string, IEnumerable<string>)> domains = [(spec?.TrustDomain ?? "", spec?.Roots ?? [])];
                bundle = TrustBundle.FromDomains(domains.Concat((spec?.Federated ?? []).Where(f => f is not null)
                    .Select(f => (f.TrustDomain, (IEnumerable<string>)f.Roots))));
            }
            catch (Exception ex) when (ex is JsonException or System.Security.Cryptography.CryptographicException)
            {
                throw new ArgumentException($"TrustBundle {BundleKey}: {ex.Message}", ex);
            }
        }

        return (InboundPolicy.Build(config.Inbound, options, jwks, time), bundle);
    }

    public void Commit(InboundPolicy policy, TrustBundle? bundle)
    {
        _current = policy;
        if (bundle is { Roots.Count: > 0 })
        {
            store.SetBundle(bundle);
        }
    }
}
