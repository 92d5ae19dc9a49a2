using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class ScopingTranslationTests
{
    [Fact]
    public void Compile_DeclaredDependencies_OnlyThoseHostsAndClusters()
    {
        var config = Compile("", ProductPageNode with { Dependencies = ["default/reviews", "./details"] });

        Assert.Equal([$"{Details}:9080", $"{Reviews}:9080"], config.VirtualHosts.Select(h => h.Name).Order());
        Assert.Equal([$"outbound|9080||{Details}", $"outbound|9080||{Reviews}"], config.Clusters.Keys.Order());
    }

    [Fact]
    public void Compile_SidecarResourceSelectsNode_ScopesEgress()
    {
        var config = Compile("""
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: default }
            spec: { egress: [ { hosts: [ "./ratings" ] } ] }
            ---
            apiVersion: networking.istio.io/v1
            kind: Sidecar
            metadata: { name: pp }
            spec: { workloadSelector: { labels: { app: productpage } }, egress: [ { hosts: [ "*/reviews.default.svc.cluster.local" ] } ] }
            """);

        Assert.Equal($"{Reviews}:9080", Assert.Single(config.VirtualHosts).Name);
    }

    [Fact]
    public void Compile_NoDependencies_EverythingVisible()
    {
        var config = Compile("");

        Assert.Equal(4, config.VirtualHosts.Count);
        Assert.Equal(4, config.Clusters.Count);
    }
}
