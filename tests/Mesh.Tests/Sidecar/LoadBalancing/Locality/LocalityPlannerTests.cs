using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing.Locality;

namespace Mesh.Tests.Sidecar.LoadBalancing.Locality;

/// <summary>Priorities and distribute weights per endpoint, for Istio's documented cases.</summary>
public sealed class LocalityPlannerTests
{
    /// <summary>Endpoints as "region/zone/subzone" (empty parts unknown), optionally "|key=value,..." labels.</summary>
    private static EndpointConfig[] Endpoints(params string[] specs) => [.. specs.Select((spec, i) =>
    {
        var (locality, labels) = spec.Split('|') is var parts && parts.Length > 1 ? (parts[0], parts[1]) : (parts[0], "");
        var p = locality.Split('/');
        string? Part(int n) => p.Length > n && p[n].Length > 0 ? p[n] : null;
        return new EndpointConfig
        {
            Address = $"10.0.0.{i + 1}",
            Port = 80,
            Region = Part(0),
            Zone = Part(1),
            Subzone = Part(2),
            Labels = labels.Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')).ToDictionary(l => l[0], l => l[1]),
        };
    })];

    /// <summary>The caller as "region/zone/subzone|labels" (empty parts unknown); CallerLocality is internal to the sidecar.</summary>
    private static string Caller(string? region, string? zone, string? subzone = null, string labels = "") => $"{region}/{zone}/{subzone}|{labels}";

    private static CallerLocality ParseCaller(string spec)
    {
        var parts = spec.Split('|');
        var p = parts[0].Split('/');
        string? Part(int n) => p[n].Length > 0 ? p[n] : null;
        return new(Part(0), Part(1), Part(2), parts[1].Split(',', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split('=')).ToDictionary(l => l[0], l => l[1]));
    }

    private static LoadBalancerConfig Failover(params string[] fromTo) =>
        new() { Failover = [.. fromTo.Select(f => f.Split('>')).Select(f => new LocalityFailoverConfig(f[0], f[1]))] };

    private static LoadBalancerConfig Priority(params string[] labels) =>
        new() { FailoverPriority = [.. labels.Select(l => l.Split('=')).Select(l => new FailoverPriorityLabel(l[0], l.Length > 1 ? l[1] : null))] };

    private static LoadBalancerConfig Distribute(string from, params (string Locality, int Weight)[] to) =>
        new() { Distribute = [new LocalityDistributeConfig(from, [.. to.Select(t => new LocalityWeight(t.Locality, t.Weight))])] };

    public static TheoryData<string, LoadBalancerConfig, string, EndpointConfig[], string> Cases => new()
    {
        { "Istio's default order", new LoadBalancerConfig(), Caller("r1", "z1", "s1"),
            Endpoints("r1/z1/s1", "r1/z1/s2", "r1/z2/s1", "r2/z1/s1", "r1/z1/"), "0 1 2 3 1" },
        { "locality off: one level", new LoadBalancerConfig { LocalityAware = false }, Caller("r1", "z1"),
            Endpoints("r1/z1/", "r2/z9/"), "0 0" },
        { "caller without locality: one level", new LoadBalancerConfig(), Caller(null, null),
            Endpoints("r1/z1/", "r2/z9/", "//"), "0 0 0" },
        { "caller with only a zone (--zone) prefers it in any region", new LoadBalancerConfig(), Caller(null, "z1"),
            Endpoints("r1/z1/", "/z1/", "r1/z2/", "//"), "0 0 2 2" },
        { "caller without a subzone: any subzone of its zone", new LoadBalancerConfig(), Caller("r1", "z1"),
            Endpoints("r1/z1/s1", "r1/z1/", "r1/z2/"), "0 0 2" },
        { "failover: the to region before other regions (Istio's task table)", Failover("region1>region2"), Caller("region1", "zone1"),
            Endpoints("region1/zone1/", "region1/zone2/", "region2/zone3/", "region3/zone4/"), "0 2 3 4" },
        { "failover rules of other regions do not apply", Failover("region9>region2"), Caller("region1", "zone1"),
            Endpoints("region2/zone3/", "region3/zone4/"), "3 3" },
        { "failoverPriority: more leading labels shared, higher priority", Priority("topology.istio.io/network", "topology.kubernetes.io/region", "topology.kubernetes.io/zone"),
            Caller("r1", "z1", null, "topology.istio.io/network=n1"),
            Endpoints("r1/z1/|topology.istio.io/network=n1", "r1/z2/|topology.istio.io/network=n1", "r2/z1/|topology.istio.io/network=n1", "r1/z1/|topology.istio.io/network=n2"), "0 1 2 3" },
        { "failoverPriority key=value ignores the caller's value", Priority("version=v2", "app"), Caller("r1", "z1", null, "version=v1,app=reviews"),
            Endpoints("r1/z1/|version=v1,app=reviews", "r9/z9/|version=v2,app=reviews", "r1/z1/|version=v2,app=other"), "2 0 1" },
        { "failoverPriority: a label both lack counts as shared (Istio)", Priority("team", "topology.kubernetes.io/region"), Caller("r1", "z1"),
            Endpoints("r1/z1/", "r2/z1/", "r1/z1/|team=x"), "0 1 2" },
        { "failoverPriority without failover ignores locality", Priority("app"), Caller("r1", "z1", null, "app=a"),
            Endpoints("r1/z1/|app=a", "r2/z2/|app=a", "r1/z1/|app=b"), "0 0 1" },
        { "failoverPriority with failover: labels first, then locality", new LoadBalancerConfig
            {
                Failover = [new LocalityFailoverConfig("r1", "r2")],
                FailoverPriority = [new FailoverPriorityLabel("topology.istio.io/network", null)],
            }, Caller("r1", "z1", null, "topology.istio.io/network=n1"),
            Endpoints("r1/z1/|topology.istio.io/network=n1", "r2/z1/|topology.istio.io/network=n1", "r3/z1/|topology.istio.io/network=n1", "r1/z1/|topology.istio.io/network=n2"), "0 3 4 5" },
        { "distribute: caller matched by from, unlisted localities excluded", Distribute("us-west/zone1/*", ("us-west/zone1/*", 80), ("us-west/zone2/*", 20)), Caller("us-west", "zone1", "s1"),
            Endpoints("us-west/zone1/s1", "us-west/zone2/s1", "us-east/zone1/s1"), "0 0 -1 weights 8000 2000 0" },
        { "distribute: a wildcard's weight split by endpoint weight", Distribute("us-west/*", ("us-west/*", 60), ("us-east/*", 40)), Caller("us-west", "zone1"),
            Endpoints("us-west/zone1/", "us-west/zone2/", "us-west/zone3/", "us-east/zone1/"), "0 0 0 0 weights 2000 2000 2000 4000" },
        { "distribute: the first to entry that matches takes the endpoint", Distribute("*", ("us-west/zone1", 90), ("us-west/*", 10)), Caller("any", "thing"),
            Endpoints("us-west/zone1/", "us-west/zone2/"), "0 0 weights 9000 1000" },
        { "distribute: a caller no rule is from keeps one level", Distribute("eu/*", ("eu/*", 100)), Caller("us-west", "zone1"),
            Endpoints("eu/z1/", "us-west/zone1/"), "0 0" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Plan_LocalitySetting_PrioritiesAndWeights(string scenario, LoadBalancerConfig lb, string caller, EndpointConfig[] endpoints, string expected)
    {
        var plan = LocalityPlanner.Plan(lb, endpoints, ParseCaller(caller));

        var actual = string.Join(" ", plan.Priorities) + (plan.Weights is { } weights ? " weights " + string.Join(" ", weights) : "");
        Assert.True(expected == actual, $"{scenario}: expected <{expected}>, got <{actual}>");
    }
}
