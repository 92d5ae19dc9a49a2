using System.Text.Json;
using Mesh.Contracts.Istio.Security;
using Mesh.Contracts.Json;
using Mesh.Security;
using Mesh.Security.PeerAuthentication;

namespace Mesh.Tests.Security.PeerAuthentication;

public sealed class PeerAuthenticationResolverTests
{
    private static readonly Dictionary<string, string> Web = new() { ["app"] = "web" };

    private static PolicyEntry<PeerAuthenticationSpec> Pa(string ns, string name, string json) =>
        new(ns, name, JsonSerializer.Deserialize<PeerAuthenticationSpec>(json, MeshJson.Options)!);

    [Fact]
    public void Resolve_NoPolicies_IsPermissive()
    {
        Assert.Equal(MtlsMode.Permissive, PeerAuthenticationResolver.Resolve([], "shop", Web, 8080));
    }

    [Fact]
    public void Resolve_MeshStrict_AppliesEverywhere()
    {
        var mode = PeerAuthenticationResolver.Resolve([Pa("istio-system", "default", """{"mtls":{"mode":"STRICT"}}""")], "shop", Web, 8080);

        Assert.Equal(MtlsMode.Strict, mode);
    }

    [Fact]
    public void Resolve_NamespaceOverridesMesh_WorkloadOverridesNamespace_PortOverridesWorkload()
    {
        List<PolicyEntry<PeerAuthenticationSpec>> policies =
        [
            Pa("istio-system", "default", """{"mtls":{"mode":"STRICT"}}"""),
            Pa("shop", "ns", """{"mtls":{"mode":"PERMISSIVE"}}"""),
            Pa("shop", "web", """{"selector":{"matchLabels":{"app":"web"}},"mtls":{"mode":"STRICT"},"portLevelMtls":{"9090":{"mode":"DISABLE"}}}"""),
        ];

        Assert.Equal(MtlsMode.Permissive, PeerAuthenticationResolver.Resolve(policies, "shop", new Dictionary<string, string> { ["app"] = "db" }, 8080));
        Assert.Equal(MtlsMode.Strict, PeerAuthenticationResolver.Resolve(policies, "shop", Web, 8080));
        Assert.Equal(MtlsMode.Disable, PeerAuthenticationResolver.Resolve(policies, "shop", Web, 9090));
        Assert.Equal(MtlsMode.Strict, PeerAuthenticationResolver.Resolve(policies, "billing", Web, 9090));
    }

    [Fact]
    public void Resolve_WorkloadUnset_InheritsNamespace()
    {
        List<PolicyEntry<PeerAuthenticationSpec>> policies =
        [
            Pa("shop", "ns", """{"mtls":{"mode":"DISABLE"}}"""),
            Pa("shop", "web", """{"selector":{"matchLabels":{"app":"web"}},"mtls":{"mode":"UNSET"}}"""),
        ];

        Assert.Equal(MtlsMode.Disable, PeerAuthenticationResolver.Resolve(policies, "shop", Web, 8080));
    }
}
