using Mesh.Grains.Health;
using Orleans.Runtime;

namespace Mesh.Silo.Health;

/// <summary>
/// Stands for one health partition on the silo that holds its single activation: while active, the silo's
/// <see cref="HealthChecker"/> probes the partition's endpoints. Each activation adds one to the stored generation.
/// When the cluster's silos change so that the partition belongs elsewhere, it deactivates, and the next
/// <see cref="HealthPartitionKeeper"/> call places it on its new silo: that is how a joining silo gets its share.
/// </summary>
[KeepAlive]
[HealthPartitionPlacement]
internal sealed partial class HealthPartitionGrain(
    [PersistentState("health-partition", GrainStorage.Name)] IPersistentState<HealthPartitionState> state,
    ShardOwnership ownership,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<HealthPartitionGrain> logger) : Grain, IHealthPartitionGrain
{
    private HealthPartitionStatus? _status;

    private int Partition => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        state.State = new HealthPartitionState { Generation = state.State.Generation + 1 };
        await state.WriteStateAsync(cancellationToken);
        _status = new HealthPartitionStatus(Partition, options.SiloId, state.State.Generation, timeProvider.GetUtcNow());
        ownership.Add(Partition, state.State.Generation);
        LogActivated(logger, Partition, state.State.Generation);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        ownership.Remove(Partition, state.State.Generation);
        LogDeactivated(logger, Partition, reason.Description);
        return Task.CompletedTask;
    }

    public Task<HealthPartitionStatus> EnsureActiveAsync()
    {
        var active = membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => m.SiloAddress)
            .ToList();
        if (active.Count > 0 && !HealthPartitionPlacement.SiloFor(Partition, active).Equals(silo.SiloAddress))
        {
            DeactivateOnIdle();
        }

        return Task.FromResult(_status!);
    }

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "Health partition {Partition} active here (generation {Generation})")]
    private static partial void LogActivated(ILogger logger, int partition, long generation);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "Health partition {Partition} leaves this silo: {Reason}")]
    private static partial void LogDeactivated(ILogger logger, int partition, string reason);
}

/// <summary>What a health partition keeps across activations.</summary>
[GenerateSerializer]
[Alias("mesh.health.partition-state.v1")]
internal sealed record HealthPartitionState
{
    [Id(0)]
    public long Generation { get; init; }
}
