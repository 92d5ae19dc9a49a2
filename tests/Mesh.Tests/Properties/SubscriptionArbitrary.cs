using FsCheck;
using FsCheck.Fluent;
using Mesh.Contracts.Resources;

namespace Mesh.Tests.Properties;

/// <summary>
/// Generators for <see cref="SubscriptionCase"/>. Keys come from a small pool so writes hit the same resources again,
/// and an upsert may point a resource at another host, moving it into or out of a scoped subscriber's dependencies.
/// </summary>
public static class SubscriptionArbitrary
{
    private static readonly string[] Kinds =
        [ResourceKinds.Service, ResourceKinds.Endpoint, ResourceKinds.VirtualService, ResourceKinds.DestinationRule, ResourceKinds.AuthorizationPolicy];

    private static readonly string[] Namespaces = ["default", "prod", "istio-system"];
    private static readonly string[] Names = ["a", "b", "c"];

    public static Arbitrary<SubscriptionCase> Cases() => Arb.From(CaseGen, Shrink);

    private static Gen<SubscriptionCase> CaseGen =>
        from dependencies in Gen.Frequency(
            (1, Gen.Constant<IReadOnlyList<string>?>(null)),
            (3, Gen.SubListOf("default/a", "*/b", "prod/*", "./c").Select(l => (IReadOnlyList<string>?)[.. l])))
        from retained in Gen.Elements(1, 3, 1000)
        from initial in UpsertGen.ListOf().Select(l => l.DistinctBy(u => (u.Kind, u.Namespace, u.Name)).ToList())
        from steps in Step.ListOf().Select(l => l.Take(40).ToList())
        select new SubscriptionCase(dependencies, retained, initial, steps);

    private static Gen<Upsert> UpsertGen =>
        from kind in Gen.Elements(Kinds)
        from ns in Gen.Elements(Namespaces)
        from name in Gen.Elements(Names)
        from target in Gen.Elements("a", "b", "c", "d")
        select new Upsert(kind, ns, name, target);

    private static Gen<SubscriptionStep> Step =>
        Gen.Frequency(
            (5, UpsertGen.Select(u => (SubscriptionStep)u)),
            (2, UpsertGen.Select(u => (SubscriptionStep)new Delete(u.Kind, u.Namespace, u.Name))),
            (3, Gen.Constant<SubscriptionStep>(new Push())),
            (1, Gen.Constant<SubscriptionStep>(new Resubscribe())));

    /// <summary>Fewer steps, fewer initial resources, then no history limit.</summary>
    private static IEnumerable<SubscriptionCase> Shrink(SubscriptionCase c)
    {
        for (var i = 0; i < c.Steps.Count; i++)
        {
            yield return c with { Steps = [.. c.Steps.Where((_, j) => j != i)] };
        }

        for (var i = 0; i < c.Initial.Count; i++)
        {
            yield return c with { Initial = [.. c.Initial.Where((_, j) => j != i)] };
        }

        if (c.RecentChangesRetained != 1000)
        {
            yield return c with { RecentChangesRetained = 1000 };
        }
    }
}
