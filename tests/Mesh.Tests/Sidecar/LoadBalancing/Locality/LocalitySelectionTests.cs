using Mesh.Contracts.Registry;
using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;

namespace Mesh.Tests.Sidecar.LoadBalancing.Locality;

/// <summary>
/// Endpoint choice of a cluster built by the sidecar's configuration builder for a sidecar in a given locality:
/// traffic stays in the best priority that has an available endpoint, and distribute splits by its weights.
/// </summary>
public sealed class LocalitySelectionTests
{
    private const int Picks = 1000;

    /// <summary>Endpoint names are their locality "region/zone/subzone"; a trailing "!" ejects it, "?" marks it unhealthy in the registry.</summary>
    public static TheoryData<string, string, string, LoadBalancerAlgorithm, LoadBalancerConfig, string[], string> Cases => new()
    {
        { "all in the caller's zone", "a/z1", "", LoadBalancerAlgorithm.RoundRobin, new LoadBalancerConfig(),
            ["a/z1/", "a/z1/", "a/z2/", "b/z1/"], "a/z1/=1000" },
        { "zone ejected: same region next", "a/z1", "", LoadBalancerAlgorithm.RoundRobin, new LoadBalancerConfig(),
            ["a/z1/!", "a/z2/", "b/z1/"], "a/z2/=1000" },
        { "region down: any other region", "a/z1", "", LoadBalancerAlgorithm.LeastRequest, new LoadBalancerConfig(),
            ["a/z1/!", "a/z2/?", "b/z1/", "c/z1/"], "b/z1/+c/z1/=1000" },
        { "failover: the to region before the nearer-sounding one", "a/z1", "", LoadBalancerAlgorithm.RoundRobin,
            new LoadBalancerConfig { Failover = [new LocalityFailoverConfig("a", "c")] },
            ["a/z1/!", "b/z1/", "c/z9/"], "c/z9/=1000" },
        { "failover region down too: the rest", "a/z1", "", LoadBalancerAlgorithm.Random,
            new LoadBalancerConfig { Failover = [new LocalityFailoverConfig("a", "c")] },
            ["a/z1/!", "b/z1/", "c/z9/!"], "b/z1/=1000" },
        { "locality off: every endpoint", "a/z1", "", LoadBalancerAlgorithm.RoundRobin, new LoadBalancerConfig { LocalityAware = false },
            ["a/z1/", "b/z1/"], "a/z1/=500 b/z1/=500" },
        { "failoverPriority on a label", "a/z1", "tier=gold", LoadBalancerAlgorithm.RoundRobin,
            new LoadBalancerConfig { FailoverPriority = [new FailoverPriorityLabel("tier", null)] },
            ["b/z1/|tier=gold", "a/z1/|tier=silver"], "b/z1/=1000" },
        { "distribute 80/20 by round robin is exact", "us/z1/s1", "", LoadBalancerAlgorithm.RoundRobin,
            new LoadBalancerConfig { Distribute = [new LocalityDistributeConfig("us/z1/*", [new LocalityWeight("us/z1/*", 80), new LocalityWeight("us/z2/*", 20)])] },
            ["us/z1/s1", "us/z2/s1", "eu/z1/s1"], "us/z1/s1=800 us/z2/s1=200" },
        { "distribute: the listed locality down leaves the rest of the split, never the unlisted", "us/z1/s1", "", LoadBalancerAlgorithm.RoundRobin,
            new LoadBalancerConfig { Distribute = [new LocalityDistributeConfig("us/*", [new LocalityWeight("us/z1/*", 80), new LocalityWeight("us/z2/*", 20)])] },
            ["us/z1/s1!", "us/z2/s1", "eu/z1/s1"], "us/z2/s1=1000" },
        { "all ejected: panic stays in the best priority", "a/z1", "", LoadBalancerAlgorithm.RoundRobin, new LoadBalancerConfig(),
            ["a/z1/!", "b/z1/!"], "a/z1/=1000" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Select_SidecarLocality_PicksByPriorityAndWeight(string scenario, string locality, string labels, LoadBalancerAlgorithm algorithm,
        LoadBalancerConfig lb, string[] endpoints, string expected)
    {
        var options = SidecarOptionsParser.Parse(["--locality", locality, .. labels.Length > 0 ? new[] { "--labels", labels } : []], new System.Collections.Hashtable());
        var config = new ProxyConfig
        {
            Revision = 1,
            Clusters = new Dictionary<string, ClusterConfig>
            {
                ["c"] = new() { Name = "c", LoadBalancer = lb with { Algorithm = algorithm }, Endpoints = [.. endpoints.Select(Endpoint)] },
            },
        };
        var cluster = new RuntimeConfigBuilder(options, new SharedStateRegistry(), TimeProvider.System).Build(config).Clusters["c"];
        for (var i = 0; i < endpoints.Length; i++)
        {
            if (endpoints[i].Contains('!', StringComparison.Ordinal))
            {
                cluster.Endpoints[i].State.EjectedUntilTicks = long.MaxValue;
            }
        }

        var counts = new SortedDictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Picks; i++)
        {
            var name = Name(cluster.Select(null, null, 1)!.Config);
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        // Random choices are compared by the set of endpoints they reached ("a+b=total"), exact counts otherwise.
        var actual = expected.Contains('+', StringComparison.Ordinal)
            ? $"{string.Join("+", counts.Keys)}={counts.Values.Sum()}"
            : string.Join(" ", counts.Select(c => $"{c.Key}={c.Value}"));
        Assert.True(expected == actual, $"{scenario}: expected <{expected}>, got <{actual}>");
    }

    private static EndpointConfig Endpoint(string spec, int index)
    {
        var (locality, labels) = spec.TrimEnd('!', '?').Split('|') is var parts && parts.Length > 1 ? (parts[0], parts[1]) : (parts[0], "");
        var p = locality.Split('/');
        return new EndpointConfig
        {
            Address = $"10.0.0.{index + 1}",
            Port = 80,
            Region = p[0],
            Zone = p[1],
            Subzone = p[2].Length > 0 ? p[2] : null,
            Health = spec.Contains('?', StringComparison.Ordinal) ? EndpointHealth.Unhealthy : EndpointHealth.Healthy,
            Labels = labels.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')).ToDictionary(l => l[0], l => l[1]),
        };
    }

    private static string Name(EndpointConfig endpoint) => $"{endpoint.Region}/{endpoint.Zone}/{endpoint.Subzone}";
}
