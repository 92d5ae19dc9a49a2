using Mesh.Contracts.Registry;
using Mesh.Routing.Compilation;

namespace Mesh.Silo.Health;

/// <summary>A service's <see cref="HealthCheckSpec"/> with defaults applied and durations parsed (the API validated them).</summary>
internal sealed record HealthCheckPolicy(
    bool IsHttp,
    string Path,
    IReadOnlySet<int> ExpectedStatuses,
    int? Port,
    TimeSpan Interval,
    TimeSpan Timeout,
    int HealthyThreshold,
    int UnhealthyThreshold)
{
    public static HealthCheckPolicy From(HealthCheckSpec spec) => new(
        spec.Http is not null,
        spec.Http?.Path ?? "/",
        (spec.Http?.ExpectedStatuses is { Count: > 0 } statuses ? statuses : [200]).ToHashSet(),
        spec.Http?.Port ?? spec.Tcp?.Port,
        IstioDuration.ParseOrNull(spec.Interval) ?? IstioDuration.ParseOrNull(HealthCheckSpec.DefaultInterval)!.Value,
        IstioDuration.ParseOrNull(spec.Timeout) ?? IstioDuration.ParseOrNull(HealthCheckSpec.DefaultTimeout)!.Value,
        spec.HealthyThreshold ?? HealthCheckSpec.DefaultHealthyThreshold,
        spec.UnhealthyThreshold ?? HealthCheckSpec.DefaultUnhealthyThreshold);
}

/// <summary>One endpoint to probe, as of the cache revision it was built from.</summary>
internal sealed record ProbeTarget(Mesh.Contracts.Resources.ResourceKey Key, int Shard, string Address, int Port, EndpointHealth StoredHealth, HealthCheckPolicy Policy);
