namespace Mesh.Tests.Fuzz;

/// <summary>
/// One write operation of the admin API and a valid body for it. <c>{ns}</c> and <c>{name}</c> in the path are filled
/// in (and sometimes replaced by odd names) by the fuzzer; <see cref="Name"/> is the name the valid body carries.
/// </summary>
/// <param name="Bearer">The token to send instead of the admin token (<c>POST /certificates</c> takes a join token).</param>
internal sealed record ApiFuzzTarget(string Method, string Path, string Name, string? Body, string? Bearer = null);

/// <summary>
/// Every write endpoint of docs/api.md with a body the silo accepts. None of them sets a lease (ttlSeconds) on an
/// endpoint that exists, so nothing expires behind the fuzzer's back and moves the store revision.
/// </summary>
internal static class ApiFuzzTargets
{
    private const string Ns = "/api/v1/namespaces/{ns}";

    /// <summary>A real certificate with its key and CA, as an operator stores one for credentialName.</summary>
    private static string Credential()
    {
        using var authority = new Sidecar.Security.TestCa("fuzz-ca");
        using var certificate = authority.IssueForHost("fuzz.example.test");
        return System.Text.Json.JsonSerializer.Serialize(new
        {
            certificate = certificate.ExportCertificatePem(),
            privateKey = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(certificate)!.ExportPkcs8PrivateKeyPem(),
            caCertificates = authority.CertificatePem,
        });
    }

    public static IReadOnlyList<ApiFuzzTarget> All(string csr, string joinToken)
    {
        var targets = new List<ApiFuzzTarget>
        {
            new("PUT", Ns + "/services/{name}", "fuzz-svc", Service("fuzz-svc")),
            // No endpoint ever registers for fuzz-svc2, so its health check probes nothing and writes nothing.
            new("POST", Ns + "/services", "fuzz-svc2", Service("fuzz-svc2").Replace("\"serviceAccount\"", "\"healthCheck\":{\"http\":{\"path\":\"/healthz\",\"expectedStatuses\":[200]},\"interval\":\"5s\",\"timeout\":\"1s\",\"healthyThreshold\":2},\"serviceAccount\"", StringComparison.Ordinal)),
            new("DELETE", Ns + "/services/{name}?resourceVersion=1", "nothere", null),
            new("POST", Ns + "/endpoints", "", """{"service":"reviews","address":"10.1.0.1","port":9080,"weight":1,"labels":{"version":"v1"},"health":"Healthy","registeredBy":"fuzz","sidecarPort":15001}"""),
            new("PUT", Ns + "/endpoints", "", """{"service":"reviews","address":"10.1.0.2","port":9080,"labels":{"version":"v2"},"health":"Unknown"}"""),
            new("POST", Ns + "/endpoints/renew", "", """{"names":["ghost-a","ghost-b"],"ttlSeconds":30}"""),
            new("PUT", Ns + "/endpoints/{name}/health", Contracts.Registry.EndpointSpec.NameFor("reviews", "10.0.0.1", 9080), """{"health":"Unhealthy"}"""),
            new("DELETE", Ns + "/endpoints/{name}?resourceVersion=1", "nothere", null),
            new("POST", "/api/v1/join-tokens", "", """{"namespace":"default","serviceAccount":"reviews","ttlSeconds":600,"singleUse":false}"""),
            new("POST", "/api/v1/certificates", "", $$"""{"csr":{{System.Text.Json.JsonSerializer.Serialize(csr)}},"ttlSeconds":3600}""", joinToken),
            new("POST", "/api/v1/ca/roots", "", """{"certificate":"-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n","privateKey":"-----BEGIN PRIVATE KEY-----\nMIIfake\n-----END PRIVATE KEY-----\n","activate":false}"""),
            new("POST", "/api/v1/ca/roots/{name}/activate", "0123456789abcdef0123456789abcdef01234567", null),
            new("DELETE", "/api/v1/ca/roots/{name}", "0123456789abcdef0123456789abcdef01234567", null),
            new("PUT", Ns + "/credentials/{name}", "fuzz-credential", Credential()),
        };
        foreach (var (kind, apiVersion, spec) in Specs)
        {
            var name = "fuzz-" + kind.ToLowerInvariant();
            var body = $$$"""{"apiVersion":"{{{apiVersion}}}","kind":"{{{kind}}}","metadata":{"name":"{{{name}}}","labels":{"app":"reviews"},"annotations":{"note":"fuzz"}},"spec":{{{spec}}}}""";
            targets.Add(new("PUT", Ns + $"/resources/{kind}/{{name}}", name, body));
            targets.Add(new("POST", Ns + $"/resources/{kind}", name, body));
        }

        targets.Add(new("DELETE", Ns + "/resources/VirtualService/{name}?resourceVersion=1", "nothere", null));
        return targets;
    }

    private static string Service(string name) =>
        $$$"""{"apiVersion":"mesh.dev/v1","kind":"Service","metadata":{"name":"{{{name}}}","labels":{"app":"reviews"}},"spec":{"ports":[{"name":"http","port":9080,"protocol":"HTTP","targetPort":8080}],"serviceAccount":"reviews"}}""";

    private static readonly (string Kind, string ApiVersion, string Spec)[] Specs =
    [
        ("VirtualService", "networking.istio.io/v1", """{"hosts":["reviews"],"http":[{"match":[{"uri":{"prefix":"/a"},"headers":{"x-user":{"regex":"^j.*n$"}}}],"route":[{"destination":{"host":"reviews","subset":"v1"},"weight":90},{"destination":{"host":"reviews","subset":"v2","port":{"number":9080}},"weight":10}],"timeout":"2s","retries":{"attempts":3,"perTryTimeout":"1s"},"fault":{"abort":{"percentage":{"value":0.1},"httpStatus":503}}},{"route":[{"destination":{"host":"reviews"}}]}]}"""),
        ("DestinationRule", "networking.istio.io/v1", """{"host":"reviews","trafficPolicy":{"loadBalancer":{"simple":"ROUND_ROBIN"},"connectionPool":{"tcp":{"maxConnections":100},"http":{"http1MaxPendingRequests":10}},"outlierDetection":{"consecutive5xxErrors":5,"interval":"10s","baseEjectionTime":"30s"}},"subsets":[{"name":"v1","labels":{"version":"v1"}},{"name":"v2","labels":{"version":"v2"},"trafficPolicy":{"loadBalancer":{"simple":"LEAST_REQUEST"}}}]}"""),
        ("Gateway", "networking.istio.io/v1", """{"selector":{"istio":"ingressgateway"},"servers":[{"port":{"number":80,"name":"http","protocol":"HTTP"},"hosts":["*"]}]}"""),
        ("ServiceEntry", "networking.istio.io/v1", """{"hosts":["api.example.com"],"ports":[{"number":443,"name":"https","protocol":"TLS"}],"resolution":"DNS","location":"MESH_EXTERNAL"}"""),
        ("WorkloadEntry", "networking.istio.io/v1", """{"address":"10.0.0.5","labels":{"app":"reviews"}}"""),
        ("Sidecar", "networking.istio.io/v1", """{"egress":[{"hosts":["./*"]}]}"""),
        ("PeerAuthentication", "security.istio.io/v1", """{"selector":{"matchLabels":{"app":"reviews"}},"mtls":{"mode":"STRICT"},"portLevelMtls":{"9080":{"mode":"PERMISSIVE"}}}"""),
        ("AuthorizationPolicy", "security.istio.io/v1", """{"selector":{"matchLabels":{"app":"reviews"}},"action":"ALLOW","rules":[{"from":[{"source":{"principals":["cluster.local/ns/default/sa/productpage"],"ipBlocks":["10.0.0.0/8"]}}],"to":[{"operation":{"methods":["GET"],"paths":["/api/*"],"ports":["9080"]}}],"when":[{"key":"request.headers[x-token]","values":["a"]}]}]}"""),
        ("RequestAuthentication", "security.istio.io/v1", """{"selector":{"matchLabels":{"app":"reviews"}},"jwtRules":[{"issuer":"https://issuer.example.com","jwksUri":"https://issuer.example.com/jwks","audiences":["reviews"]}]}"""),
    ];

    /// <summary>Path segments a client can send for a namespace or a name.</summary>
    public static readonly string[] OddSegments =
    [
        "A", "a_b", "-a", "a-", "a.", ".", "%2e%2e", "%00", "%ff", "%C3%28", "a%2Fb", "a%20b", "%F0%9F%98%80", "default%0A",
        new string('a', 64), new string('a', 300), new string('a', 5000), "1", "a..b", "*", "%25", "con", "a;b",
    ];
}
