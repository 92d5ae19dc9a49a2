using FsCheck;
using FsCheck.Fluent;
using Mesh.Contracts.Istio.Security;

namespace Mesh.Tests.Properties;

/// <summary>
/// Generators for <see cref="AuthorizationCase"/>: ALLOW, DENY and AUDIT policies (no CUSTOM) with rules over principals,
/// namespaces, paths, methods and ports, positive and negative, using Istio's exact, <c>prefix*</c>, <c>*suffix</c> and
/// <c>*</c> forms. Pools are small so that rules and requests meet often.
/// </summary>
public static class AuthorizationArbitrary
{
    private static readonly string?[] Principals = [null, "cluster.local/ns/default/sa/sleep", "cluster.local/ns/default/sa/web", "cluster.local/ns/prod/sa/web"];
    private static readonly string[] RequestPaths = ["/", "/api", "/api/v1", "/api/v1?debug=1", "/admin", "/v1/api"];
    private static readonly string[] RequestMethods = ["GET", "POST", "DELETE"];
    private static readonly int[] RequestPorts = [8080, 9080];

    public static Arbitrary<AuthorizationCase> Cases() => Arb.From(CaseGen, Shrink);

    private static Gen<AuthorizationCase> CaseGen =>
        from count in Gen.Choose(0, 4)
        from policies in Gen.CollectToList(Enumerable.Range(0, count), i => Policy($"p{i}"))
        from requests in Request.ListOf(10)
        select new AuthorizationCase(policies, requests);

    private static Gen<GeneratedPolicy> Policy(string name) =>
        from ns in Gen.Frequency((6, Gen.Constant("default")), (2, Gen.Constant("istio-system")), (1, Gen.Constant("prod")))
        from selector in Gen.Frequency(
            (4, Gen.Constant<WorkloadSelector?>(null)),
            (1, Gen.Elements<WorkloadSelector?>(
                new WorkloadSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "reviews" } },
                new WorkloadSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "ratings" } },
                new WorkloadSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = "v2" } })))
        from action in Gen.Frequency((3, Gen.Constant(AuthorizationAction.Allow)), (3, Gen.Constant(AuthorizationAction.Deny)), (1, Gen.Constant(AuthorizationAction.Audit)))
        from ruleCount in Gen.Frequency((1, Gen.Constant(-1)), (1, Gen.Constant(0)), (6, Gen.Choose(1, 2)))
        from rules in Rule.ListOf(Math.Max(ruleCount, 0))
        select new GeneratedPolicy(ns, name, new AuthorizationPolicySpec { Selector = selector, Action = action, Rules = ruleCount < 0 ? null : rules });

    private static Gen<AuthorizationRule> Rule =>
        from fromCount in PartCount
        from sources in Source.ListOf(fromCount)
        from toCount in PartCount
        from operations in Operation.ListOf(toCount)
        select new AuthorizationRule { From = fromCount == 0 ? null : sources, To = toCount == 0 ? null : operations };

    private static Gen<int> PartCount => Gen.Frequency((2, Gen.Constant(0)), (3, Gen.Constant(1)), (1, Gen.Constant(2)));

    private static Gen<RuleFrom> Source =>
        from principals in Values("cluster.local/ns/default/sa/sleep", "cluster.local/ns/prod/sa/web", "*", "cluster.local/ns/default/*", "*/sa/web")
        from notPrincipals in Values("cluster.local/ns/default/sa/sleep", "*", "*/sa/web")
        from namespaces in Values("default", "prod", "*", "pro*")
        from notNamespaces in Values("default", "prod", "*")
        select new RuleFrom { Source = new RuleSource { Principals = principals, NotPrincipals = notPrincipals, Namespaces = namespaces, NotNamespaces = notNamespaces } };

    private static Gen<RuleTo> Operation =>
        from paths in Values("/api", "/api/*", "*/api", "/api/v1", "*/v1", "/admin", "/", "*")
        from notPaths in Values("/api/*", "/admin", "*/v1", "*")
        from methods in Values("GET", "POST", "*")
        from notMethods in Values("DELETE", "GET")
        from ports in Values("8080", "9080")
        from notPorts in Values("8080", "9080")
        select new RuleTo { Operation = new RuleOperation { Paths = paths, NotPaths = notPaths, Methods = methods, NotMethods = notMethods, Ports = ports, NotPorts = notPorts } };

    /// <summary>Mostly unset; otherwise one or two distinct values from the pool.</summary>
    private static Gen<IReadOnlyList<string>?> Values(params string[] pool) =>
        Gen.Frequency(
            (3, Gen.Constant<IReadOnlyList<string>?>(null)),
            (1, Gen.SubListOf(pool).Where(l => l.Count is 1 or 2).Select(l => (IReadOnlyList<string>?)[.. l])));

    private static Gen<AuthorizationRequest> Request =>
        from principal in Gen.Elements(Principals)
        from method in Gen.Elements(RequestMethods)
        from path in Gen.Elements(RequestPaths)
        from port in Gen.Elements(RequestPorts)
        select new AuthorizationRequest(principal, method, path, port);

    /// <summary>Fewer requests, then fewer policies.</summary>
    private static IEnumerable<AuthorizationCase> Shrink(AuthorizationCase c)
    {
        for (var i = 0; i < c.Requests.Count && c.Requests.Count > 1; i++)
        {
            yield return c with { Requests = [c.Requests[i]] };
        }

        for (var i = 0; i < c.Policies.Count; i++)
        {
            yield return c with { Policies = [.. c.Policies.Where((_, j) => j != i)] };
        }

        for (var i = 0; i < c.Policies.Count; i++)
        {
            var policy = c.Policies[i];
            var rules = policy.Spec.Rules ?? [];
            for (var r = 0; r < rules.Count; r++)
            {
                foreach (var smaller in ShrinkRule(rules[r]))
                {
                    var spec = policy.Spec with { Rules = [.. rules.Select((x, j) => j == r ? smaller : x)] };
                    yield return c with { Policies = [.. c.Policies.Select((x, j) => j == i ? policy with { Spec = spec } : x)] };
                }

                var fewer = policy.Spec with { Rules = [.. rules.Where((_, j) => j != r)] };
                yield return c with { Policies = [.. c.Policies.Select((x, j) => j == i ? policy with { Spec = fewer } : x)] };
            }
        }
    }

    private static IEnumerable<AuthorizationRule> ShrinkRule(AuthorizationRule rule)
    {
        var from = rule.From ?? [];
        for (var i = 0; i < from.Count; i++)
        {
            yield return rule with { From = from.Count == 1 ? null : [.. from.Where((_, j) => j != i)] };
        }

        var to = rule.To ?? [];
        for (var i = 0; i < to.Count; i++)
        {
            yield return rule with { To = to.Count == 1 ? null : [.. to.Where((_, j) => j != i)] };
        }
    }
}
