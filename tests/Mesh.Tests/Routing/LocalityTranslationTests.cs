using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

/// <summary>
/// <c>localityLbSetting</c> compiles into <see cref="LoadBalancerConfig"/>, and endpoints carry region/zone/subzone
/// (and network) from topology labels or a ServiceEntry/WorkloadEntry <c>locality</c>.
/// </summary>
public sealed class LocalityTranslationTests
{
    private static string Dr(string setting, string outlier = "    outlierDetection: { consecutive5xxErrors: 1 }\n") => $$"""
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata: { name: reviews }
        spec:
          host: reviews
          trafficPolicy:
        {{outlier}}    loadBalancer:
              localityLbSetting:
        {{setting}}
          subsets:
          - { name: v1, labels: { version: v1 }, trafficPolicy: { loadBalancer: { localityLbSetting: { failover: [ { from: us, to: ap } ] } } } }
        """;

    private static string Format(LoadBalancerConfig lb) =>
        $"aware={lb.LocalityAware} " +
        $"distribute=[{string.Join(";", lb.Distribute.Select(d => $"{d.From}>{string.Join(",", d.To.Select(t => $"{t.Locality}:{t.Weight}"))}"))}] " +
        $"failover=[{string.Join(",", lb.Failover.Select(f => $"{f.From}>{f.To}"))}] " +
        $"priority=[{string.Join(",", lb.FailoverPriority.Select(p => p.Value is null ? p.Key : $"{p.Key}={p.Value}"))}]";

    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "no rule: aware, no lists", "", c => Format(Cluster(c).LoadBalancer), "aware=True distribute=[] failover=[] priority=[]" },
        { "distribute keeps the order of to",
            Dr("          distribute:\n          - { from: 'us-west/zone1/*', to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 } }\n          - { from: 'us-west/zone2/*', to: { 'us-west/zone2/*': 100 } }"),
            c => Format(Cluster(c).LoadBalancer), "aware=True distribute=[us-west/zone1/*>us-west/zone1/*:80,us-west/zone2/*:20;us-west/zone2/*>us-west/zone2/*:100] failover=[] priority=[]" },
        { "failover", Dr("          failover: [ { from: us-east, to: eu-west }, { from: us-west, to: us-east } ]"),
            c => Format(Cluster(c).LoadBalancer), "aware=True distribute=[] failover=[us-east>eu-west,us-west>us-east] priority=[]" },
        { "failoverPriority with key=value", Dr("          failoverPriority: [topology.istio.io/network, 'version=v1', topology.kubernetes.io/region]"),
            c => Format(Cluster(c).LoadBalancer), "aware=True distribute=[] failover=[] priority=[topology.istio.io/network,version=v1,topology.kubernetes.io/region]" },
        { "failover with failoverPriority", Dr("          failover: [ { from: us, to: eu } ]\n          failoverPriority: [topology.istio.io/network]"),
            c => Format(Cluster(c).LoadBalancer), "aware=True distribute=[] failover=[us>eu] priority=[topology.istio.io/network]" },
        { "enabled false drops the lists", Dr("          enabled: false\n          failover: [ { from: us-east, to: eu-west } ]"),
            c => Format(Cluster(c).LoadBalancer), "aware=False distribute=[] failover=[] priority=[]" },
        { "lists kept without outlier detection", Dr("          failover: [ { from: a, to: b } ]", outlier: ""),
            c => Format(Cluster(c).LoadBalancer), "aware=True distribute=[] failover=[a>b] priority=[]" },
        { "subset loadBalancer replaces the rule's", Dr("          failoverPriority: [topology.istio.io/network]"),
            c => Format(Cluster(c, "v1").LoadBalancer), "aware=True distribute=[] failover=[us>ap] priority=[]" },
        { "locality kept beside consistent hash", """
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec: { host: reviews, trafficPolicy: { loadBalancer: { consistentHash: { useSourceIp: true }, localityLbSetting: { failover: [ { from: a, to: b } ] } } } }
            """, c => $"{Cluster(c).LoadBalancer.Algorithm} {Format(Cluster(c).LoadBalancer)}", "ConsistentHash aware=True distribute=[] failover=[a>b] priority=[]" },
        { "registry endpoint locality from topology labels", """
            apiVersion: mesh.dev/v1
            kind: Service
            metadata: { name: geo }
            spec: { ports: [ { name: http, port: 80, protocol: HTTP } ] }
            ---
            apiVersion: mesh.dev/v1
            kind: Endpoint
            metadata: { name: geo-1, labels: { topology.kubernetes.io/region: us-west, topology.kubernetes.io/zone: us-west-1a, topology.istio.io/subzone: rack7, topology.istio.io/network: n1 } }
            spec: { service: geo, address: 10.1.0.1, port: 80 }
            """, c => Cluster(c, null, "geo.default.svc.cluster.local", 80).Endpoints[0] is var e ? $"{e.Region}/{e.Zone}/{e.Subzone} {e.Network}" : null, "us-west/us-west-1a/rack7 n1" },
        { "ServiceEntry locality region/zone/subzone, labels win per part", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: geo-vms }
            spec:
              hosts: [geo.vms]
              ports: [ { number: 80, name: http } ]
              endpoints:
              - { address: 192.168.7.10, locality: eu/eu-1a/r1 }
              - { address: 192.168.7.11, locality: eu/eu-1a, labels: { topology.kubernetes.io/region: ap }, network: net-2 }
              - { address: 192.168.7.12 }
            """, c => string.Join(" ", Cluster(c, null, "geo.vms", 80).Endpoints.Select(e => $"{e.Region}/{e.Zone}/{e.Subzone}/{e.Network}")),
            "eu/eu-1a/r1/ ap/eu-1a//net-2 ///" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_LocalitySetting_Translated(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }
}
