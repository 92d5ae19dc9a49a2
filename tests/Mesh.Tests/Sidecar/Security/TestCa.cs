using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mesh.Tests.Sidecar.Security;

/// <summary>A CA made by the test itself: for foreign-CA peers, and for expired SVIDs under a root the silo trusts.</summary>
internal sealed class TestCa : IDisposable
{
    private readonly ECDsa _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public TestCa(string name)
    {
        var request = new CertificateRequest($"CN={name}", _key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        Root = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-10), DateTimeOffset.UtcNow.AddYears(1));
    }

    public X509Certificate2 Root { get; }

    public string CertificatePem => Root.ExportCertificatePem();

    public string PrivateKeyPem => _key.ExportPkcs8PrivateKeyPem();

    /// <summary>An X.509-SVID for <paramref name="spiffeId"/> valid from <paramref name="notBefore"/> to <paramref name="notAfter"/>.</summary>
    public X509Certificate2 Issue(string spiffeId, DateTimeOffset notBefore, DateTimeOffset notAfter) =>
        Issue("CN=workload", san => san.AddUri(new Uri(spiffeId)), notBefore, notAfter);

    /// <summary>A certificate naming the DNS name <paramref name="host"/>, as an external server or client has.</summary>
    public X509Certificate2 IssueForHost(string host) =>
        Issue($"CN={host}", san => san.AddDnsName(host), DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));

    private X509Certificate2 Issue(string subject, Action<SubjectAlternativeNameBuilder> names, DateTimeOffset notBefore, DateTimeOffset notAfter)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        names(san);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false));
        using var leaf = request.Create(Root, notBefore, notAfter, RandomNumberGenerator.GetBytes(16));
        return X509CertificateLoader.LoadPkcs12(leaf.CopyWithPrivateKey(key).Export(X509ContentType.Pkcs12), null);
    }

    public X509Certificate2 IssueValid(string spiffeId) => Issue(spiffeId, DateTimeOffset.UtcNow.AddHours(-1), DateTimeOffset.UtcNow.AddHours(1));

    public void Dispose()
    {
        Root.Dispose();
        _key.Dispose();
    }
}
