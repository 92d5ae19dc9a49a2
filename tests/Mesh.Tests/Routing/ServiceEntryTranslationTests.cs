using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

public sealed class ServiceEntryTranslationTests
{
    public static TheoryData<string, string, Func<ProxyConfig, object?>, object?> Cases => new()
    {
        { "external DNS host without endpoints routes to itself", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: httpbin }
            spec: { hosts: [httpbin.org], ports: [ { number: 80, name: http, protocol: HTTP } ], resolution: DNS, location: MESH_EXTERNAL }
            """, c => Cluster(c, null, "httpbin.org", 80) is var k ? $"{k.External} {Addresses(k)} {string.Join(",", Host(c, "httpbin.org", 80).Domains)}" : null,
            "True httpbin.org:80 httpbin.org,httpbin.org:80" },
        { "location defaults to external", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: api }
            spec: { hosts: [api.example.com], ports: [ { number: 443, name: https, protocol: HTTPS } ], resolution: DNS }
            """, c => Cluster(c, null, "api.example.com", 443).External, true },
        { "inline endpoints with named ports, labels and locality", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: legacy }
            spec:
              hosts: [legacy.internal]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [ { number: 8080, name: http, protocol: HTTP } ]
              endpoints:
              - { address: 192.168.1.10, ports: { http: 18080 }, labels: { version: v1 }, locality: eu/eu-1a, serviceAccount: legacy }
              - { address: 192.168.1.11, weight: 5 }
            """, c => Cluster(c, null, "legacy.internal", 8080) is var k
                ? $"{k.External} {Addresses(k)} {k.Endpoints[0].Zone} {k.Endpoints[0].Identity} {k.Endpoints[1].Weight}" : null,
            "False 192.168.1.10:18080,192.168.1.11:8080 eu-1a spiffe://cluster.local/ns/default/sa/legacy 5" },
        { "workloadSelector picks WorkloadEntries of the namespace", """
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: vm-1 }
            spec: { address: 172.16.0.1, labels: { app: vm-app }, ports: { http: 7070 } }
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: vm-2, namespace: elsewhere }
            spec: { address: 172.16.0.2, labels: { app: vm-app } }
            ---
            apiVersion: networking.istio.io/v1
            kind: WorkloadEntry
            metadata: { name: vm-3 }
            spec: { address: 172.16.0.3, labels: { app: other } }
            ---
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: vm-app }
            spec:
              hosts: [vm-app.default.svc.cluster.local]
              location: MESH_INTERNAL
              resolution: STATIC
              ports: [ { number: 80, name: http } ]
              workloadSelector: { labels: { app: vm-app } }
            """, c => Addresses(Cluster(c, null, "vm-app.default.svc.cluster.local", 80)), "172.16.0.1:7070" },
        { "STATIC entry without endpoints has none", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: empty }
            spec: { hosts: [empty.example.com], ports: [ { number: 80, name: http } ], resolution: STATIC }
            """, c => Cluster(c, null, "empty.example.com", 80).Endpoints.Count, 0 },
        { "DestinationRule subsets apply to ServiceEntry hosts", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: legacy }
            spec:
              hosts: [legacy.internal]
              resolution: STATIC
              ports: [ { number: 8080, name: http } ]
              endpoints: [ { address: 192.168.1.10, labels: { version: v1 } }, { address: 192.168.1.11, labels: { version: v2 } } ]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: legacy }
            spec: { host: legacy.internal, subsets: [ { name: v2, labels: { version: v2 } } ], trafficPolicy: { tls: { mode: SIMPLE } } }
            """, c => Cluster(c, "v2", "legacy.internal", 8080) is var k ? $"{Addresses(k)} {k.Tls.Mode}" : null, "192.168.1.11:8080 Simple" },
        { "VirtualService routes a ServiceEntry host", """
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: httpbin }
            spec: { hosts: [httpbin.org], ports: [ { number: 80, name: http } ], resolution: DNS }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: httpbin }
            spec: { hosts: [httpbin.org], http: [ { timeout: 3s, route: [ { destination: { host: httpbin.org } } ] } ] }
            """, c => Host(c, "httpbin.org", 80).Routes[0].Timeout, TimeSpan.FromSeconds(3) },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Compile_ServiceEntry_TranslatesField(string scenario, string yaml, Func<ProxyConfig, object?> actual, object? expected)
    {
        var config = Compile(yaml);

        Assert.True(Equals(expected, actual(config)), $"{scenario}: expected <{expected}>, got <{actual(config)}>");
    }
}
