using Mesh.Security.Ca;

namespace Mesh.Tests.Security.Ca;

public sealed class CsrRejectionTests
{
    private readonly CertificateAuthority _authority = CaTestKit.NewAuthority(new ManualTimeProvider());

    public static TheoryData<string, string> Malformed => new()
    {
        { "", "empty" },
        { "not a pem at all", "CERTIFICATE REQUEST" },
        { "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", "not a valid PKCS#10" },
        { "-----BEGIN CERTIFICATE REQUEST-----\n!!!notbase64!!!\n-----END CERTIFICATE REQUEST-----", "csr:" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Issue_MalformedCsr_ThrowsInvalidCsr(string csr, string expected)
    {
        var ex = Assert.Throws<InvalidCsrException>(() => _authority.Issue(csr, "default", "web"));

        Assert.Contains(expected, ex.Message);
    }

    [Fact]
    public void Issue_TamperedCsr_ThrowsInvalidCsrForSignature()
    {
        var pem = CaTestKit.EcCsr();
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        var subject = der.AsSpan().IndexOf("evil"u8);
        der[subject] = (byte)'E'; // changes the signed subject; the signature no longer matches
        var tampered = "-----BEGIN CERTIFICATE REQUEST-----\n" + Convert.ToBase64String(der) + "\n-----END CERTIFICATE REQUEST-----";

        var ex = Assert.Throws<InvalidCsrException>(() => _authority.Issue(tampered, "default", "web"));

        Assert.Contains("signature", ex.Message);
    }

    [Theory]
    [InlineData(0x01)]
    [InlineData(0x80)]
    [InlineData(0xFF)]
    public void Issue_AnySingleByteOfTheDerChanged_IssuesOrThrowsInvalidCsr(int mask)
    {
        // Found by the API fuzzer: a CSR whose signature algorithm OID was changed (ecdsa-with-SHA256 -> unknown) made
        // the loader throw an exception the CA did not turn into InvalidCsrException, so the API answered 500.
        var pem = CaTestKit.EcCsr();
        var der = Convert.FromBase64String(string.Concat(pem.Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal))));
        var escaped = new List<string>();
        for (var i = 0; i < der.Length; i++)
        {
            var damaged = (byte[])der.Clone();
            damaged[i] ^= (byte)mask;
            var csr = System.Security.Cryptography.PemEncoding.WriteString("CERTIFICATE REQUEST", damaged);
            try
            {
                _authority.Issue(csr, "default", "web");
            }
            catch (InvalidCsrException)
            {
            }
            catch (Exception ex)
            {
                escaped.Add($"byte {i}: {ex.GetType().Name}: {ex.Message}");
            }
        }

        Assert.True(escaped.Count == 0, string.Join("\n", escaped));
    }

    [Fact]
    public void Issue_Rsa1024Csr_ThrowsWeakKey()
    {
        var ex = Assert.Throws<InvalidCsrException>(() => _authority.Issue(CaTestKit.RsaCsr(1024), "default", "web"));

        Assert.Contains("1024 bits is too weak", ex.Message);
    }

    [Theory]
    [InlineData("web/../admin")]
    [InlineData("web/extra")]
    [InlineData("")]
    public void Issue_InvalidServiceAccount_ThrowsNamingIdentity(string serviceAccount)
    {
        var ex = Assert.Throws<InvalidCsrException>(() => _authority.Issue(CaTestKit.EcCsr(), "default", serviceAccount));

        Assert.StartsWith("identity:", ex.Message);
    }
}
