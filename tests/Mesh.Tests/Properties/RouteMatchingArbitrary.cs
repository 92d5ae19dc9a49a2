using FsCheck;
using FsCheck.Fluent;

namespace Mesh.Tests.Properties;

/// <summary>
/// Generators for <see cref="RoutingCase"/>. Values come from small pools that overlap (prefixes of paths, case
/// variants, header names in two casings) so that conditions match often and routes shadow each other.
/// </summary>
public static class RouteMatchingArbitrary
{
    public static readonly string[] Paths = ["/", "/a", "/A", "/a/b", "/a/B", "/ab", "/b", "/a/b/c", "/x/b"];
    public static readonly string[] Methods = ["GET", "POST", "PUT", "DELETE"];
    public static readonly string[] HeaderNames = ["x-user", "x-env"];
    public static readonly string[] HeaderValues = ["jason", "Jason", "jasonx", "prod", "dev", ""];

    public static Arbitrary<RoutingCase> Cases() => Arb.From(CaseGen, Shrink);

    private static Gen<RoutingCase> CaseGen =>
        (from routes in Gen.Choose(1, 4).SelectMany(n => Gen.CollectToList(Enumerable.Range(0, n), i => Route($"r{i}")))
         from requests in Request.ListOf(12)
         select new RoutingCase(routes, requests));

    private static Gen<HttpRouteCase> Route(string name) =>
        Gen.Frequency((1, Gen.Constant(0)), (4, Gen.Choose(1, 3)))
            .SelectMany(n => Block.ListOf(n))
            .Select(blocks => new HttpRouteCase(name, blocks));

    private static Gen<MatchBlock> Block =>
        from uri in Condition(Paths, ["/", "/a", "/a/", "/A", "/b"], RegexMeaning.PathPatterns).OrNull()
        from ignoreCase in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
        from method in Condition(["GET", "POST", "get"], ["P", "G"], RegexMeaning.MethodPatterns).OrNull()
        from count in Gen.Frequency((2, Gen.Constant(0)), (2, Gen.Constant(1)), (1, Gen.Constant(2)))
        from headers in Header.ListOf(count)
        select new MatchBlock(uri, ignoreCase, method, [.. headers.DistinctBy(h => h.Key, StringComparer.Ordinal)]);

    private static Gen<KeyValuePair<string, StringCondition>> Header =>
        from name in Gen.Elements("x-user", "X-User", "x-env")
        from condition in Condition(["jason", "prod"], ["ja", ""], RegexMeaning.HeaderPatterns)
        select KeyValuePair.Create(name, condition);

    private static Gen<StringCondition> Condition(string[] exact, string[] prefix, IEnumerable<string> regex) =>
        Gen.OneOf(
            Gen.Elements(exact).Select(v => new StringCondition(MatchKind.Exact, v)),
            Gen.Elements(prefix).Select(v => new StringCondition(MatchKind.Prefix, v)),
            Gen.Elements(regex).Select(v => new StringCondition(MatchKind.Regex, v)));

    private static Gen<RequestCase> Request =>
        from path in Gen.Elements(Paths)
        from method in Gen.Elements(Methods)
        from names in Gen.SubListOf(HeaderNames)
        from values in Gen.Elements(HeaderValues).ListOf(names.Count)
        select new RequestCase(path, method, [.. names.Zip(values, KeyValuePair.Create)]);

    /// <summary>Fewer requests, fewer routes (keeping names, so later routes keep their identity), fewer blocks and conditions.</summary>
    private static IEnumerable<RoutingCase> Shrink(RoutingCase c)
    {
        for (var i = 0; i < c.Requests.Count && c.Requests.Count > 1; i++)
        {
            yield return c with { Requests = [c.Requests[i]] };
        }

        for (var i = 0; i < c.Routes.Count && c.Routes.Count > 1; i++)
        {
            yield return c with { Routes = [.. c.Routes.Where((_, j) => j != i)] };
        }

        for (var i = 0; i < c.Routes.Count; i++)
        {
            var route = c.Routes[i];
            for (var b = 0; b < route.Matches.Count; b++)
            {
                var block = route.Matches[b];
                foreach (var smaller in ShrinkBlock(block))
                {
                    yield return c with { Routes = Replace(c.Routes, i, route with { Matches = Replace(route.Matches, b, smaller) }) };
                }

                if (route.Matches.Count > 1)
                {
                    yield return c with { Routes = Replace(c.Routes, i, route with { Matches = [.. route.Matches.Where((_, j) => j != b)] }) };
                }
            }
        }
    }

    private static IEnumerable<MatchBlock> ShrinkBlock(MatchBlock block)
    {
        if (block.Uri is not null)
        {
            yield return block with { Uri = null };
        }

        if (block.IgnoreUriCase)
        {
            yield return block with { IgnoreUriCase = false };
        }

        if (block.Method is not null)
        {
            yield return block with { Method = null };
        }

        for (var h = 0; h < block.Headers.Count; h++)
        {
            yield return block with { Headers = [.. block.Headers.Where((_, j) => j != h)] };
        }
    }

    private static List<T> Replace<T>(IReadOnlyList<T> list, int index, T item) => [.. list.Select((x, j) => j == index ? item : x)];
}
