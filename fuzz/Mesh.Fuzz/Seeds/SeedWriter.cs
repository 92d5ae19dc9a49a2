using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Istio.Yaml;
using Mesh.Sidecar.State;

namespace Mesh.Fuzz.Seeds;

/// <summary>
/// Writes the seeds that cannot be copied from the project's samples: signed JWTs with their JWKS, CSRs, protobuf
/// frames and state files (the last two built from the YAML seeds in <c>resources/</c>). Run once; the output is
/// committed under <c>fuzz/corpus/</c>, so fuzz runs do not depend on fresh keys.
/// </summary>
internal static class SeedWriter
{
    public static void WriteAll(string corpus)
    {
        var resources = Directory.EnumerateFiles(Path.Combine(corpus, "resources"))
            .Order(StringComparer.Ordinal)
            .SelectMany(f => ReadOrSkip(File.ReadAllText(f)))
            .ToList();
        Jwt(Path.Combine(corpus, "jwt"));
        Csr(Path.Combine(corpus, "csr"));
        Subscription(Path.Combine(corpus, "subscription"), resources);
        StateFiles(Path.Combine(corpus, "state-file"), resources);
    }

    private static IReadOnlyList<MeshResource> ReadOrSkip(string text)
    {
        try
        {
            return ResourceDocumentReader.Read(text);
        }
        catch (ResourceReadException)
        {
            return [];
        }
    }

    private static void Jwt(string directory)
    {
        Directory.CreateDirectory(directory);
        var exp = Security.JwtTarget.Now.AddHours(1).ToUnixTimeSeconds();
        var claims = $"{{\"iss\":\"{Security.JwtTarget.Issuer}\",\"sub\":\"alice\",\"aud\":[\"{Security.JwtTarget.Audience}\"],\"exp\":{exp},\"nbf\":{exp - 7200}}}";
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var q = ec.ExportParameters(false).Q;
        var ecJwk = $"{{\"keys\":[{{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"ec1\",\"use\":\"sig\",\"x\":\"{B64(q.X!)}\",\"y\":\"{B64(q.Y!)}\"}}]}}";
        File.WriteAllText(Path.Combine(directory, "es256"), ecJwk + "\n" + Sign("ES256", "ec1", claims, data => ec.SignData(data, HashAlgorithmName.SHA256)));
        File.WriteAllText(Path.Combine(directory, "es256-no-kid-no-aud"), ecJwk + "\n" + Sign("ES256", null, "{\"iss\":\"" + Security.JwtTarget.Issuer + "\"}", data => ec.SignData(data, HashAlgorithmName.SHA256)));

        using var rsa = RSA.Create(2048);
        var p = rsa.ExportParameters(false);
        var rsaJwk = $"{{\"keys\":[{{\"kty\":\"RSA\",\"kid\":\"rsa1\",\"alg\":\"RS256\",\"n\":\"{B64(p.Modulus!)}\",\"e\":\"{B64(p.Exponent!)}\"}}]}}";
        File.WriteAllText(Path.Combine(directory, "rs256"), rsaJwk + "\n" + Sign("RS256", "rsa1", claims, data => rsa.SignData(data, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1)));
        File.WriteAllText(Path.Combine(directory, "ps384-expired"), rsaJwk.Replace("\"alg\":\"RS256\",", "", StringComparison.Ordinal) + "\n"
            + Sign("PS384", "rsa1", claims.Replace($"\"exp\":{exp}", "\"exp\":1", StringComparison.Ordinal), data => rsa.SignData(data, HashAlgorithmName.SHA384, RSASignaturePadding.Pss)));
        File.WriteAllText(Path.Combine(directory, "alg-none"), ecJwk + "\n" + B64("{\"alg\":\"none\"}"u8.ToArray()) + "." + B64(Encoding.UTF8.GetBytes(claims)) + ".");
    }

    private static string Sign(string alg, string? kid, string claims, Func<byte[], byte[]> sign)
    {
        var header = kid is null ? $"{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}" : $"{{\"alg\":\"{alg}\",\"kid\":\"{kid}\"}}";
        var input = B64(Encoding.UTF8.GetBytes(header)) + "." + B64(Encoding.UTF8.GetBytes(claims));
        return input + "." + B64(sign(Encoding.ASCII.GetBytes(input)));
    }

    private static string B64(byte[] bytes) => Base64Url.EncodeToString(bytes);

    private static void Csr(string directory)
    {
        Directory.CreateDirectory(directory);
        using var ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=web", ec, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddUri(new Uri("spiffe://evil.example/ns/kube-system/sa/admin"));
        request.CertificateExtensions.Add(san.Build());
        File.WriteAllText(Path.Combine(directory, "p256"), request.CreateSigningRequestPem());
        using var rsa = RSA.Create(2048);
        File.WriteAllText(Path.Combine(directory, "rsa2048"),
            new CertificateRequest("CN=web", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1).CreateSigningRequestPem());
        using var p384 = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        File.WriteAllText(Path.Combine(directory, "p384"), new CertificateRequest("", p384, HashAlgorithmName.SHA384).CreateSigningRequestPem());
    }

    private static void Subscription(string directory, IReadOnlyList<MeshResource> resources)
    {
        Directory.CreateDirectory(directory);
        var response = new SubscribeResponse { Resources = new Resources { Nonce = "n1", SystemVersionInfo = "42" } };
        response.Resources.Resources_.AddRange(resources.Take(4).Select(WireResources.ToWire));
        response.Resources.RemovedResources.Add("VirtualService/default/gone");
        File.WriteAllBytes(Path.Combine(directory, "resources"), response.ToByteArray());
        var one = new SubscribeResponse { Resources = new Resources { Nonce = "n2", SystemVersionInfo = "43" } };
        one.Resources.Resources_.Add(WireResources.ToWire(resources[0]));
        File.WriteAllBytes(Path.Combine(directory, "one-resource"), one.ToByteArray());
        File.WriteAllBytes(Path.Combine(directory, "reconnect"), new SubscribeResponse { Reconnect = new Reconnect { Reason = "shutdown" } }.ToByteArray());
        var node = new NodeInfo { Id = "reviews-v1", Namespace = "default", Service = "reviews", Labels = new Dictionary<string, string> { ["app"] = "reviews" }, Zone = "eu/a", Dependencies = ["*/ratings"] };
        var subscribe = new SubscribeRequest { Subscribe = new Subscribe { Node = WireResources.ToWire(node) } };
        subscribe.Subscribe.InitialResourceVersions["VirtualService/default/reviews"] = "7";
        File.WriteAllBytes(Path.Combine(directory, "subscribe"), subscribe.ToByteArray());
        File.WriteAllBytes(Path.Combine(directory, "nack"), new SubscribeRequest { Nack = new Nack { Nonce = "n1", ErrorDetail = "bad" } }.ToByteArray());
    }

    private static void StateFiles(string directory, IReadOnlyList<MeshResource> resources)
    {
        Directory.CreateDirectory(directory);
        var file = new StateFile(Path.Combine(directory, "samples"));
        file.SaveAsync(ResourceState.FromResources(42, resources.Take(6)), CancellationToken.None).GetAwaiter().GetResult();
        File.WriteAllText(Path.Combine(directory, "empty"), JsonSerializer.Serialize(new { revision = 0, resources = Array.Empty<object>() }));
    }
}
