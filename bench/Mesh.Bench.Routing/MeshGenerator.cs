using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Bench.Routing;

/// <summary>A synthetic mesh: N services with 4 endpoints (v1/v2 across two zones), a VirtualService and a DestinationRule each.</summary>
internal static class MeshGenerator
{
    public static List<MeshResource> Generate(int services)
    {
        var resources = new List<MeshResource>(services * 7);
        long version = 0;
        for (var i = 0; i < services; i++)
        {
            var ns = $"ns{i % 50}";
            var name = $"svc{i}";
            resources.Add(Make(ResourceKinds.MeshApiVersion, ResourceKinds.Service, ns, name, ++version, null,
                new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 8080 }], ServiceAccount = name }));
            for (var e = 0; e < 4; e++)
            {
                var labels = new Dictionary<string, string> { ["version"] = e % 2 == 0 ? "v1" : "v2", ["zone"] = e < 2 ? "a" : "b" };
                resources.Add(Make(ResourceKinds.MeshApiVersion, ResourceKinds.Endpoint, ns, $"{name}-{e}", ++version, labels,
                    new EndpointSpec { Service = name, Address = $"10.{i / 250}.{i % 250}.{e + 1}", Port = 8080 }));
            }

            resources.Add(Make("networking.istio.io/v1", ResourceKinds.VirtualService, ns, name, ++version, null, new
            {
                hosts = new[] { name },
                http = new object[]
                {
                    new
                    {
                        match = new[] { new { headers = new Dictionary<string, object> { ["end-user"] = new { exact = "jason" } }, uri = new { prefix = "/api" } } },
                        route = new[] { new { destination = new { host = name, subset = "v2" } } },
                        fault = new { delay = new { fixedDelay = "7s", percentage = new { value = 10.0 } } },
                    },
                    new
                    {
                        route = new[] { new { destination = new { host = name, subset = "v1" }, weight = 90 }, new { destination = new { host = name, subset = "v2" }, weight = 10 } },
                        timeout = "3s",
                        retries = new { attempts = 3, perTryTimeout = "1s", retryOn = "5xx,connect-failure,503" },
                    },
                },
            }));
            resources.Add(Make("networking.istio.io/v1", ResourceKinds.DestinationRule, ns, name, ++version, null, new
            {
                host = name,
                trafficPolicy = new
                {
                    loadBalancer = new { simple = "LEAST_REQUEST" },
                    connectionPool = new { tcp = new { maxConnections = 100 }, http = new { http2MaxRequests = 1000 } },
                    outlierDetection = new { consecutive5xxErrors = 5, interval = "10s", baseEjectionTime = "30s" },
                    tls = new { mode = "ISTIO_MUTUAL" },
                },
                subsets = new[] { new { name = "v1", labels = new { version = "v1" } }, new { name = "v2", labels = new { version = "v2" } } },
            }));
        }

        return resources;
    }

    private static MeshResource Make<T>(string apiVersion, string kind, string ns, string name, long version, Dictionary<string, string>? labels, T spec) => new()
    {
        ApiVersion = apiVersion,
        Kind = kind,
        Metadata = new ResourceMetadata { Name = name, Namespace = ns, Labels = labels, ResourceVersion = version },
        Spec = MeshJson.ToElement(spec),
    };
}
