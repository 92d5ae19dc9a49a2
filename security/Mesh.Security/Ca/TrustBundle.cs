using System.Security.Cryptography.X509Certificates;

namespace Mesh.Security.Ca;

/// <summary>An immutable set of trusted roots. During rotation it carries the old and the new root.</summary>
public sealed class TrustBundle
{
    public TrustBundle(IEnumerable<X509Certificate2> roots)
    {
        Roots = roots.DistinctBy(r => r.Thumbprint).ToList();
        Pem = string.Concat(Roots.Select(r => r.ExportCertificatePem() + "\n"));
    }

    public IReadOnlyList<X509Certificate2> Roots { get; }

    /// <summary>All roots as concatenated PEM, the form shipped to sidecars.</summary>
    public string Pem { get; }

    /// <summary>Parses a PEM bundle (for example one received over the subscription stream).</summary>
    public static TrustBundle FromPem(string pem)
    {
        var collection = new X509Certificate2Collection();
        collection.ImportFromPem(pem);
        return new TrustBundle(collection);
    }

    /// <summary>A fresh collection for <see cref="X509ChainPolicy.CustomTrustStore"/>.</summary>
    public X509Certificate2Collection ToCollection() => [.. Roots];

    public override string ToString() => $"TrustBundle({string.Join(", ", Roots.Select(r => r.Thumbprint))})";
}
