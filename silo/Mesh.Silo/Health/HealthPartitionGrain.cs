using Mesh.Grains.Health;
using Mesh.Silo.Cache;
using Mesh.Silo.Registry;
using Mesh.Storage.Abstractions;
using Mesh.Storage.Orleans;
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
    [PersistentState("health-partition", OrleansPostgresSiloBuilderExtensions.StorageName)] IPersistentState<HealthPartitionState> state,
    ShardOwnership ownership,
    ILocalSiloDetails silo,
    IClusterMembershipService membership,
    IMeshStore store,
    IChangeAnnouncer notifier,
    SiloOptions options,
    TimeProvider timeProvider,
    ILogger<HealthPartitionGrain> logger) : Grain, IHealthPartitionGrain, IRemindable
{
    private const string LeaseBackstop = "lease-backstop";

    private HealthPartitionStatus? _status;
    private PartitionLeaseSweeper? _leases;

    private int Partition => (int)this.GetPrimaryKeyLong();

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        state.State = new HealthPartitionState { Generation = state.State.Generation + 1 };
        await state.WriteStateAsync(cancellationToken);
        _status = new HealthPartitionStatus(Partition, options.SiloId, state.State.Generation, timeProvider.GetUtcNow());
        ownership.Add(Partition, state.State.Generation);
        _leases = new PartitionLeaseSweeper(new LeasePartition(Partition, options.Health.Shards), store, notifier, options, timeProvider, logger);
        this.RegisterGrainTimer(_leases.SweepAsync, new GrainTimerCreationOptions(options.LeaseSweepInterval, options.LeaseSweepInterval) { KeepAlive = true });
        try
        {
            await this.RegisterOrUpdateReminder(LeaseBackstop, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The activation keepers re-activate partitions every second anyway; the reminder matters after a full restart.
            LogBackstopNotRegistered(logger, Partition, ex.Message);
        }

        LogActivated(logger, Partition, state.State.Generation);
    }

    public Task LeaseScheduledAsync(DateTimeOffset expiresAt)
    {
        _leases?.Scheduled(expiresAt);
        return Task.CompletedTask;
    }

    public Task ReceiveReminder(string reminderName, TickStatus status)
    {
        _leases?.Reread();
        return Task.CompletedTask;
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

    [LoggerMessage(EventId = 640, Level = LogLevel.Information, Message = "Health partition {Partition} active here (generation {Generation})")]
    private static partial void LogActivated(ILogger logger, int partition, long generation);

    [LoggerMessage(EventId = 533, Level = LogLevel.Warning, Message = "Lease reminder of health partition {Partition} not registered: {Reason}")]
    private static partial void LogBackstopNotRegistered(ILogger logger, int partition, string reason);

    [LoggerMessage(EventId = 641, Level = LogLevel.Information, Message = "Health partition {Partition} leaves this silo: {Reason}")]
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
