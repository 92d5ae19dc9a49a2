using System.Text.Json;
using Mesh.Contracts.Istio.Security;
using Mesh.Contracts.Json;

namespace Mesh.Tests.Security.Contracts;

public sealed class IstioSecuritySpecTests
{
    [Fact]
    public void PeerAuthentication_IstioJson_RoundTripsWithUppercaseModes()
    {
        const string json = """{"selector":{"matchLabels":{"app":"web"}},"mtls":{"mode":"STRICT"},"portLevelMtls":{"8080":{"mode":"DISABLE"}}}""";

        var spec = JsonSerializer.Deserialize<PeerAuthenticationSpec>(json, MeshJson.Options)!;
        var back = JsonSerializer.Serialize(spec, MeshJson.Options);

        Assert.Equal(MtlsMode.Strict, spec.Mtls!.Mode);
        Assert.Equal(MtlsMode.Disable, spec.PortLevelMtls![8080].Mode);
        Assert.Contains("\"mode\":\"STRICT\"", back);
        Assert.Contains("\"portLevelMtls\":{\"8080\"", back);
    }

    [Fact]
    public void AuthorizationPolicy_IstioJson_ReadsAllFields()
    {
        const string json = """
            {"selector":{"matchLabels":{"app":"web"}},"action":"DENY","rules":[{
              "from":[{"source":{"principals":["a"],"notPrincipals":["b"],"requestPrincipals":["c"],"notRequestPrincipals":["d"],
                "namespaces":["e"],"notNamespaces":["f"],"ipBlocks":["1.2.3.4"],"notIpBlocks":["5.6.7.8"],"remoteIpBlocks":["9.9.9.9"]}}],
              "to":[{"operation":{"hosts":["h"],"notHosts":["nh"],"ports":["80"],"notPorts":["81"],"methods":["GET"],"notMethods":["PUT"],"paths":["/p"],"notPaths":["/np"]}}],
              "when":[{"key":"request.auth.claims[iss]","values":["v"],"notValues":["nv"]}]}]}
            """;

        var spec = JsonSerializer.Deserialize<AuthorizationPolicySpec>(json, MeshJson.Options)!;

        Assert.Equal(AuthorizationAction.Deny, spec.Action);
        var source = spec.Rules![0].From![0].Source!;
        Assert.Equal(["9.9.9.9"], source.RemoteIpBlocks);
        Assert.Equal(["d"], source.NotRequestPrincipals);
        var operation = spec.Rules[0].To![0].Operation!;
        Assert.Equal(["81"], operation.NotPorts);
        Assert.Equal(["/np"], operation.NotPaths);
        Assert.Equal(["nv"], spec.Rules[0].When![0].NotValues);
    }

    [Fact]
    public void RequestAuthentication_IstioJson_ReadsJwtRules()
    {
        const string json = """
            {"selector":{"matchLabels":{"app":"web"}},"jwtRules":[{"issuer":"https://iss","audiences":["a"],"jwksUri":"https://iss/jwks",
              "fromHeaders":[{"name":"x-jwt","prefix":"Token "}],"fromParams":["t"],"forwardOriginalToken":true,"outputPayloadToHeader":"x-payload"}]}
            """;

        var rule = JsonSerializer.Deserialize<RequestAuthenticationSpec>(json, MeshJson.Options)!.JwtRules![0];

        Assert.Equal("https://iss", rule.Issuer);
        Assert.Equal("Token ", rule.FromHeaders![0].Prefix);
        Assert.Equal(["t"], rule.FromParams);
        Assert.True(rule.ForwardOriginalToken);
        Assert.Equal("x-payload", rule.OutputPayloadToHeader);
    }

    [Fact]
    public void AuthorizationPolicy_UnknownAction_FailsDeserialization()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<AuthorizationPolicySpec>("""{"action":"MAYBE"}""", MeshJson.Options));
    }
}
