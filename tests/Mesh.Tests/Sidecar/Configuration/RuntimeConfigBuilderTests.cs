using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Sidecar.Configuration;

public sealed class RuntimeConfigBuilderTests
{
    private readonly SharedStateRegistry _shared = new();

    [Theory]
    [InlineData("reviews", "reviews")]
    [InlineData("reviews:9080", "reviews")]
    [InlineData("REVIEWS.default.svc.cluster.local:9080", "reviews")]
    [InlineData("ratings:9080", "ratings")]
    [InlineData("api.example.com", "wildcard")]
    public void HostTable_Find_ExactPortlessAndWildcard(string host, string expected)
    {
        var runtime = Build(Config(
            Host("reviews", ["reviews", "reviews.default.svc.cluster.local"], 9080, Route("r", "c")),
            Host("ratings", ["ratings:9080"], 9080, Route("r", "c")),
            Host("wildcard", ["*.example.com"], 80, Route("r", "c"))));

        Assert.Equal(expected, runtime.Hosts.Find(host)?.Config.Name);
    }

    [Fact]
    public void HostTable_Find_UnknownHost_Null()
    {
        var runtime = Build(Config(Host("reviews", ["reviews"], 9080, Route("r", "c"))));

        Assert.Null(runtime.Hosts.Find("details:9080"));
    }

    [Fact]
    public void Route_FirstMatchWins_HeaderRegexBeforeCatchAll()
    {
        var jason = Route("jason", "v2") with
        {
            Matches = [new RouteMatchConfig { Headers = [new KeyedMatchConfig("end-user", new StringMatchConfig(StringMatchKind.Regex, "ja(s|z)on"))] }],
        };
        var runtime = Build(Config(Host("reviews", ["reviews"], 9080, jason, Route("default", "v1"))));
        var routes = runtime.Hosts.Find("reviews")!.Routes;

        Assert.Equal("jason", FirstMatch(routes, Request(("end-user", "jason"))));
        Assert.Equal("default", FirstMatch(routes, Request(("end-user", "jasonx"))));
        Assert.Equal("default", FirstMatch(routes, Request()));
    }

    [Fact]
    public void Route_PathPrefixMethodQueryAndWithoutHeaders_AllMustHold()
    {
        var route = Route("api", "c") with
        {
            Matches =
            [
                new RouteMatchConfig
                {
                    Path = new StringMatchConfig(StringMatchKind.Prefix, "/api"),
                    Method = new StringMatchConfig(StringMatchKind.Exact, "GET"),
                    QueryParams = [new KeyedMatchConfig("v", new StringMatchConfig(StringMatchKind.Exact, "2"))],
                    WithoutHeaders = [new KeyedMatchConfig("x-canary", new StringMatchConfig(StringMatchKind.Exact, "off"))],
                },
            ],
        };
        var runtime = Build(Config(Host("h", ["h"], 80, route)));
        var routes = runtime.Hosts.Find("h")!.Routes;

        Assert.Equal("api", FirstMatch(routes, Request(path: "/api/items", query: "?v=2")));
        Assert.Null(FirstMatch(routes, Request(path: "/other", query: "?v=2")));
        Assert.Null(FirstMatch(routes, Request(path: "/api/items", query: "?v=1")));
        Assert.Null(FirstMatch(routes, Request([("x-canary", "off")], path: "/api/items", query: "?v=2")));
    }

    [Fact]
    public void Build_InvalidRegex_ThrowsNamingRouteAndPattern()
    {
        var route = Route("bad", "c") with { Matches = [new RouteMatchConfig { Path = new StringMatchConfig(StringMatchKind.Regex, "(unclosed") }] };

        var error = Assert.Throws<ArgumentException>(() => Build(Config(Host("h", ["h"], 80, route))));

        Assert.Contains("route bad", error.Message);
        Assert.Contains("(unclosed", error.Message);
    }

    [Fact]
    public void PickTarget_Weights90To10_WithinTwoPercent()
    {
        var route = Route("split", "v1") with
        {
            Clusters = [new WeightedClusterConfig { Cluster = "v1", Weight = 90 }, new WeightedClusterConfig { Cluster = "v2", Weight = 10 }],
        };
        var runtime = Build(Config(Host("h", ["h"], 80, route)));
        var split = runtime.Hosts.Find("h")!.Routes[0];
        var random = new Random(11);

        var v2 = Enumerable.Range(0, 20_000).Count(_ => split.PickTarget(random)!.ClusterName == "v2");

        Assert.InRange(v2 / 20_000.0, 0.08, 0.12);
    }

    [Fact]
    public void Build_SameEndpointInNextConfig_KeepsItsState()
    {
        var first = Build(Config(Host("h", ["h"], 80, Route("r", "c"))));
        first.Clusters["c"].Endpoints[0].State.EjectedUntilTicks = 123;

        var second = Build(Config(Host("h", ["h"], 80, Route("r2", "c"))));

        Assert.Same(first.Clusters["c"].Endpoints[0].State, second.Clusters["c"].Endpoints[0].State);
        Assert.Same(first.Clusters["c"].State, second.Clusters["c"].State);
    }

    [Fact]
    public void Build_EndpointWithSidecarPort_TrafficGoesToSidecar()
    {
        var runtime = Build(Config(Host("h", ["h"], 80, Route("r", "c"))) with
        {
            Clusters = new Dictionary<string, ClusterConfig>
            {
                ["c"] = new() { Name = "c", Endpoints = [new EndpointConfig { Address = "127.0.0.1", Port = 9080, SidecarPort = 15006 }] },
                ["ext"] = new() { Name = "ext", External = true, Endpoints = [new EndpointConfig { Address = "127.0.0.1", Port = 443, SidecarPort = 15006 }] },
            },
        });

        Assert.Equal("http://127.0.0.1:15006", runtime.Clusters["c"].Endpoints[0].DestinationPrefix);
        Assert.Equal("http://127.0.0.1:443", runtime.Clusters["ext"].Endpoints[0].DestinationPrefix);
    }

    private RuntimeConfig Build(ProxyConfig config) =>
        new RuntimeConfigBuilder(new SidecarOptions(), _shared, TimeProvider.System).Build(config);

    internal static ProxyConfig Config(params VirtualHostConfig[] hosts) => new()
    {
        Revision = 1,
        VirtualHosts = hosts,
        Clusters = hosts.SelectMany(h => h.Routes).SelectMany(r => r.Clusters).Select(c => c.Cluster).Distinct()
            .ToDictionary(n => n, n => new ClusterConfig { Name = n, Endpoints = [new EndpointConfig { Address = "127.0.0.1", Port = 1 }] }),
    };

    internal static VirtualHostConfig Host(string name, string[] domains, int port, params RouteConfig[] routes) =>
        new() { Name = name, Domains = domains, Port = port, Routes = routes };

    internal static RouteConfig Route(string name, string cluster) =>
        new() { Name = name, Clusters = [new WeightedClusterConfig { Cluster = cluster, Weight = 100 }] };

    private static string? FirstMatch(RouteRuntime[] routes, HttpContext context) =>
        routes.FirstOrDefault(r => { r.Match(context, 80, out var matched); return matched; })?.Name;

    private static DefaultHttpContext Request((string, string)[]? headers = null, string path = "/", string query = "")
    {
        var context = new DefaultHttpContext();
        context.Request.Method = "GET";
        context.Request.Path = path;
        context.Request.QueryString = new QueryString(query);
        foreach (var (name, value) in headers ?? [])
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    private static DefaultHttpContext Request(params (string, string)[] headers) => Request(headers, "/", "");
}
