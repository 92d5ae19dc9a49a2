using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Ca;

/// <summary>An immutable set of trusted roots. During rotation it carries the old and the new root.</summary>
public sealed class TrustBundle
{
    public TrustBundle(IEnumerable<X509Certificate2> roots, IReadOnlyDictionary<string, string>? trustDomains = null)
    {
        Roots = roots.DistinctBy(r => r.Thumbprint).ToList();
        TrustDomains = trustDomains ?? new Dictionary<string, string>();
        Pem = string.Concat(Roots.Select(r => r.ExportCertificatePem() + "\n"));
    }

    public IReadOnlyList<X509Certificate2> Roots { get; }

    /// <summary>
    /// The trust domain each root (by thumbprint) vouches for, when known: a peer cluster's root must not sign SVIDs
    /// of this mesh's (or a third) trust domain. Roots not listed vouch for any.
    /// </summary>
    public IReadOnlyDictionary<string, string> TrustDomains { get; }

    /// <summary>Roots of several trust domains (the mesh's own and its peers'), each bound to its domain.</summary>
    public static TrustBundle FromDomains(IEnumerable<(string TrustDomain, IEnumerable<string> Pems)> domains)
    {
        var roots = new List<X509Certificate2>();
        var bound = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (trustDomain, pems) in domains)
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPem(string.Concat(pems));
            foreach (var root in collection)
            {
                roots.Add(root);
                if (trustDomain.Length > 0)
                {
                    bound.TryAdd(root.Thumbprint, trustDomain);
                }
            }
        }

        return new TrustBundle(roots, bound);
    }

    /// <summary>All roots as concatenated PEM, the form shipped to sidecars.</summary>
    public string Pem { get; }

    /// <summary>Parses a PEM bundle (for example one received over the subscription stream).</summary>
    public static TrustBundle FromPem(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return new TrustBundle(collection);
    }

    /// <summary>Whether both hold the same roots, each bound to the same trust domain.</summary>
    public bool SameAs(TrustBundle other) =>
        Pem == other.Pem && TrustDomains.Count == other.TrustDomains.Count
        && TrustDomains.All(d => other.TrustDomains.TryGetValue(d.Key, out var domain) && domain == d.Value);

    /// <summary>A fresh collection for <see cref="X509ChainPolicy.CustomTrustStore"/>.</summary>
    public X509Certificate2Collection ToCollection() => [.. Roots];

    public override string ToString() => $"TrustBundle({string.Join(", ", Roots.Select(r => r.Thumbprint))})";
}
