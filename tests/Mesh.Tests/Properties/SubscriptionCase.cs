namespace Mesh.Tests.Properties;

/// <summary>One step of a subscription's life: a write reaching the silo's cache, a push, or a reconnect.</summary>
public abstract record SubscriptionStep;

/// <summary>A create or update of <c>Kind/Namespace/Name</c>; <see cref="Target"/> is the host/service its spec names.</summary>
public sealed record Upsert(string Kind, string Namespace, string Name, string Target) : SubscriptionStep
{
    public override string ToString() => $"upsert {Kind}/{Namespace}/{Name} -> {Target}";
}

public sealed record Delete(string Kind, string Namespace, string Name) : SubscriptionStep
{
    public override string ToString() => $"delete {Kind}/{Namespace}/{Name}";
}

/// <summary>The silo sends the subscriber what changed since its last response, and the subscriber applies it.</summary>
public sealed record Push : SubscriptionStep
{
    public override string ToString() => "push";
}

/// <summary>The stream breaks; the subscriber resubscribes with the versions it holds.</summary>
public sealed record Resubscribe : SubscriptionStep
{
    public override string ToString() => "resubscribe";
}

/// <summary>
/// A subscriber (its declared dependencies, null for everything), the silo's change-history size, the resources that
/// exist when it subscribes, and what happens afterwards.
/// </summary>
public sealed record SubscriptionCase(IReadOnlyList<string>? Dependencies, int RecentChangesRetained, IReadOnlyList<Upsert> Initial, IReadOnlyList<SubscriptionStep> Steps)
{
    public override string ToString() =>
        $"dependencies {(Dependencies is null ? "(all)" : "[" + string.Join(", ", Dependencies) + "]")}, history {RecentChangesRetained}\n" +
        $"initial:\n  {string.Join("\n  ", Initial)}\nsteps:\n  {string.Join("\n  ", Steps)}";
}
