using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Istio.Yaml;
using Mesh.Routing.Compilation;
using Mesh.Routing.Model;

namespace Mesh.Tests.Routing;

/// <summary>Bookinfo's registry plus helpers to compile YAML and pick parts of the result.</summary>
internal static class CompilerFixture
{
    public const string Reviews = "reviews.default.svc.cluster.local";
    public const string Ratings = "ratings.default.svc.cluster.local";
    public const string Details = "details.default.svc.cluster.local";
    public const string ProductPage = "productpage.default.svc.cluster.local";

    public static readonly NodeInfo ProductPageNode = new()
    {
        Id = "productpage-v1-1",
        Namespace = "default",
        Service = "productpage",
        Labels = new Dictionary<string, string> { ["app"] = "productpage", ["version"] = "v1" },
    };

    public const string Registry = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: productpage, namespace: default }
        spec: { ports: [ { name: http, port: 9080, protocol: HTTP } ] }
        ---
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: reviews, namespace: default }
        spec: { ports: [ { name: http, port: 9080, protocol: HTTP } ], serviceAccount: bookinfo-reviews }
        ---
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: ratings, namespace: default }
        spec: { ports: [ { name: http, port: 9080, protocol: HTTP } ] }
        ---
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: details, namespace: default }
        spec: { ports: [ { name: http, port: 9080, protocol: HTTP } ] }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: productpage-v1, namespace: default, labels: { version: v1 } }
        spec: { service: productpage, address: 10.0.0.10, port: 9080 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: reviews-v1, namespace: default, labels: { version: v1, zone: zone-a } }
        spec: { service: reviews, address: 10.0.0.1, port: 9080, sidecarPort: 15006 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: reviews-v2, namespace: default, labels: { version: v2, topology.kubernetes.io/zone: zone-b } }
        spec: { service: reviews, address: 10.0.0.2, port: 9080, weight: 3 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: reviews-v3, namespace: default, labels: { version: v3 } }
        spec: { service: reviews, address: 10.0.0.3, port: 9080, health: Unhealthy }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: ratings-v1, namespace: default, labels: { version: v1 } }
        spec: { service: ratings, address: 10.0.0.4, port: 9080 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: details-v1, namespace: default, labels: { version: v1 } }
        spec: { service: details, address: 10.0.0.5, port: 9080 }
        """;

    public static ProxyConfig Compile(string yaml, NodeInfo? node = null, ProxyCompilerOptions? options = null, bool withRegistry = true)
    {
        var text = withRegistry ? Registry + "\n---\n" + yaml : yaml;
        var resources = ResourceDocumentReader.Read(text)
            .Select((r, i) => r with { Metadata = r.Metadata with { Namespace = r.Metadata.Namespace ?? "default", ResourceVersion = i + 1 } })
            .ToList();
        return new ProxyConfigCompiler(options).Compile(resources, node ?? ProductPageNode, 42);
    }

    public static VirtualHostConfig Host(ProxyConfig config, string fqdn = Reviews, int port = 9080) =>
        config.VirtualHosts.Single(h => h.Name == $"{fqdn}:{port}");

    public static RouteConfig Route(ProxyConfig config, int index = 0, string fqdn = Reviews) => Host(config, fqdn).Routes[index];

    public static ClusterConfig Cluster(ProxyConfig config, string? subset = null, string fqdn = Reviews, int port = 9080) =>
        config.Clusters[$"outbound|{port}|{subset}|{fqdn}"];

    public static string Weights(RouteConfig route) => string.Join(",", route.Clusters.Select(c => $"{c.Cluster}={c.Weight}"));

    public static string Addresses(ClusterConfig cluster) => string.Join(",", cluster.Endpoints.Select(e => $"{e.Address}:{e.Port}"));

    public static string Format(StringMatchConfig? match) => match is null ? "-" : $"{match.Kind}:{match.Value}";

    public static string Format(IEnumerable<KeyedMatchConfig> matches) => string.Join(",", matches.Select(m => $"{m.Name}={Format(m.Match)}"));

    public static string Format(HeaderOperationsConfig? ops) => ops is null ? "-" :
        $"set[{string.Join(",", ops.Set.Select(p => $"{p.Key}={p.Value}"))}] add[{string.Join(",", ops.Add.Select(p => $"{p.Key}={p.Value}"))}] remove[{string.Join(",", ops.Remove)}]";

    public static MeshResource Resource(string yaml) => ResourceDocumentReader.Read(yaml).Single();
}
