using Mesh.Routing.Model;
using static Mesh.Tests.Routing.CompilerFixture;

namespace Mesh.Tests.Routing;

/// <summary>An InferencePool as a routable host: its members chosen by labels and port, picked by the inference picker.</summary>
public sealed class InferencePoolTranslationTests
{
    private const string Pool = "llm.default.svc.cluster.local";

    private const string Servers = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata: { name: vllm, namespace: default }
        spec: { ports: [ { name: http, port: 8000 } ], serviceAccount: model-server }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: vllm-a, namespace: default, labels: { app: vllm, model: llama } }
        spec: { service: vllm, address: 10.2.0.1, port: 8000 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: vllm-b, namespace: default, labels: { app: vllm, model: llama } }
        spec: { service: vllm, address: 10.2.0.2, port: 8000 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: vllm-c, namespace: default, labels: { app: vllm, model: mistral } }
        spec: { service: vllm, address: 10.2.0.3, port: 8000 }
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata: { name: vllm-metrics, namespace: default, labels: { app: vllm, model: llama } }
        spec: { service: vllm, address: 10.2.0.1, port: 9400 }
        """;

    private static string PoolYaml(string ports = "[ { number: 8000 } ]", string selector = "{ app: vllm, model: llama }") => $$"""
        apiVersion: inference.networking.k8s.io/v1
        kind: InferencePool
        metadata: { name: llm, namespace: default }
        spec:
          selector: { matchLabels: {{selector}} }
          targetPorts: {{ports}}
          endpointPickerRef: { name: llm-epp, port: { number: 9002 }, failureMode: FailOpen }
        """;

    [Fact]
    public void Pool_IsAHostWhoseOnePortTakesEverySelectedServer_PickedByTheInferencePicker()
    {
        var config = Compile(Servers + "\n---\n" + PoolYaml());

        var cluster = Cluster(config, null, Pool, 8000);
        Assert.Equal("10.2.0.1:8000,10.2.0.2:8000,10.2.0.1:9400", Addresses(cluster));
        Assert.Equal(LoadBalancerAlgorithm.InferencePicker, cluster.LoadBalancer.Algorithm);
        Assert.All(cluster.Endpoints, e => Assert.Equal("spiffe://cluster.local/ns/default/sa/model-server", e.Identity));
        Assert.Contains("llm", Host(config, Pool, 8000).Domains);
    }

    [Fact]
    public void Pool_WithSeveralTargetPorts_EachPortTakesTheServersListeningOnIt()
    {
        var config = Compile(Servers + "\n---\n" + PoolYaml("[ { number: 8000 }, { number: 9400 } ]"));

        Assert.Equal("10.2.0.1:8000,10.2.0.2:8000", Addresses(Cluster(config, null, Pool, 8000)));
        Assert.Equal("10.2.0.1:9400", Addresses(Cluster(config, null, Pool, 9400)));
    }

    [Fact]
    public void Pool_ADestinationRuleNamingALoadBalancer_ReplacesThePicker()
    {
        var config = Compile(Servers + "\n---\n" + PoolYaml() + """

            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: llm, namespace: default }
            spec: { host: llm, trafficPolicy: { loadBalancer: { simple: LEAST_REQUEST } } }
            """);

        Assert.Equal(LoadBalancerAlgorithm.LeastRequest, Cluster(config, null, Pool, 8000).LoadBalancer.Algorithm);
    }

    [Fact]
    public void Pool_AVirtualServiceRoutesAModelToIt()
    {
        var config = Compile(Servers + "\n---\n" + PoolYaml() + """

            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: vllm, namespace: default }
            spec:
              hosts: [vllm]
              http:
              - match: [ { headers: { x-mesh-model: { exact: llama } } } ]
                route: [ { destination: { host: llm, port: { number: 8000 } } } ]
              - route: [ { destination: { host: vllm } } ]
            """);

        Assert.Equal($"outbound|8000||{Pool}=100", Weights(Host(config, "vllm.default.svc.cluster.local", 8000).Routes[0]));
    }
}
