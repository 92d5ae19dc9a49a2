using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Mesh.Silo.Health;

/// <summary>
/// Places health partition k on the k-th silo (mod count) of the compatible silos in address order, so partitions
/// split evenly: the silos' shares differ by at most one. Random placement would leave some silos idle and others
/// probing twice their share.
/// </summary>
[GenerateSerializer, Immutable, SuppressReferenceTracking, Alias("mesh.health.partition-placement.v1")]
internal sealed class HealthPartitionPlacement : PlacementStrategy
{
    public static SiloAddress SiloFor(long partition, IEnumerable<SiloAddress> silos)
    {
        var ordered = silos.Order().ToArray();
        return ordered[(int)(partition % ordered.Length)];
    }
}

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
internal sealed class HealthPartitionPlacementAttribute() : PlacementAttribute(new HealthPartitionPlacement());

internal sealed class HealthPartitionPlacementDirector : IPlacementDirector
{
    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context) =>
        Task.FromResult(HealthPartitionPlacement.SiloFor(target.GrainIdentity.GetIntegerKey(), context.GetCompatibleSilos(target)));
}
