using System.Text.Json.Nodes;
using FsCheck.Xunit;
using Mesh.Contracts.Resources;
using Microsoft.AspNetCore.Http;

namespace Mesh.Tests.Properties;

/// <summary>
/// The compiled route table and the sidecar's request matching pick the route Istio's first-match rule picks
/// (<see cref="IstioRouteReference"/>). To replay a failure, copy the "(seed, gamma)" FsCheck prints into
/// <c>[Property(Replay = "seed,gamma")]</c>.
/// </summary>
public sealed class RouteMatchingProperties
{
    [Property(MaxTest = 300, Arbitrary = [typeof(RouteMatchingArbitrary)])]
    public void FirstMatch_GeneratedRoutesAndRequests_PicksTheRouteIstiosFirstMatchRulePicks(RoutingCase routing)
    {
        var host = ReviewsRouteTable.Build(VirtualService(routing.Routes));

        foreach (var request in routing.Requests)
        {
            var context = Context(request);
            var actual = host.FirstMatch(context, context.Request.Host.Port ?? host.Config.Port, out _)?.Name;

            Assert.True(IstioRouteReference.Select(routing.Routes, request) == actual,
                $"{request}: Istio picks {IstioRouteReference.Select(routing.Routes, request) ?? "no route"}, the sidecar {actual ?? "no route"}");
        }
    }

    /// <summary>Found by the property above (shrunk): the sidecar applied ignoreUriCase to a uri regex.</summary>
    [Fact]
    public void FirstMatch_IgnoreUriCaseWithUriRegex_RegexStaysCaseSensitive()
    {
        var block = new MatchBlock(new StringCondition(MatchKind.Regex, "/a/[a-z]+"), IgnoreUriCase: true, Method: null, Headers: []);
        var host = ReviewsRouteTable.Build(VirtualService([new HttpRouteCase("r0", [block])]));

        Assert.Null(host.FirstMatch(Context(new RequestCase("/a/B", "DELETE", [])), 9080, out _));
        Assert.Equal("r0", host.FirstMatch(Context(new RequestCase("/a/b", "DELETE", [])), 9080, out _)?.Name);
    }

    private static DefaultHttpContext Context(RequestCase request)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = request.Method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString(ReviewsRouteTable.Authority);
        context.Request.Path = request.Path;
        foreach (var (name, value) in request.Headers)
        {
            context.Request.Headers[name] = value;
        }

        return context;
    }

    private static MeshResource VirtualService(IReadOnlyList<HttpRouteCase> routes) =>
        ReviewsRouteTable.Resource("networking.istio.io/v1", "VirtualService", "reviews", new JsonObject
        {
            ["hosts"] = new JsonArray("reviews"),
            ["http"] = new JsonArray([.. routes.Select(r => (JsonNode)new JsonObject
            {
                ["name"] = r.Name,
                ["match"] = r.Matches.Count == 0 ? null : new JsonArray([.. r.Matches.Select(m => (JsonNode)Match(m))]),
                ["route"] = new JsonArray(new JsonObject { ["destination"] = new JsonObject { ["host"] = "reviews" } }),
            })]),
        });

    private static JsonObject Match(MatchBlock block)
    {
        var match = new JsonObject();
        if (block.Uri is { } uri)
        {
            match["uri"] = String(uri);
        }

        if (block.IgnoreUriCase)
        {
            match["ignoreUriCase"] = true;
        }

        if (block.Method is { } method)
        {
            match["method"] = String(method);
        }

        if (block.Headers.Count > 0)
        {
            var headers = new JsonObject();
            foreach (var (name, condition) in block.Headers)
            {
                headers[name] = String(condition);
            }

            match["headers"] = headers;
        }

        return match;
    }

    private static JsonObject String(StringCondition condition) =>
        new() { [condition.Kind.ToString().ToLowerInvariant()] = condition.Value };
}
