using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing.Locality;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// One priority level of a cluster: its endpoints and a balancer built over exactly them, so round-robin schedules
/// and hash rings stay fair within the level instead of skipping over the endpoints of other levels.
/// </summary>
internal sealed class PriorityTier(EndpointRuntime[] endpoints, ILoadBalancer balancer)
{
    public EndpointRuntime[] Endpoints { get; } = endpoints;
    public ILoadBalancer Balancer { get; } = balancer;

    /// <summary>
    /// Levels in ascending priority, excluded endpoints left out. A single level holding every endpoint reuses the
    /// cluster's own balancer, so a cluster without locality differences balances exactly as it always has.
    /// </summary>
    public static PriorityTier[] Build(LoadBalancerConfig config, EndpointRuntime[] endpoints, ILoadBalancer balancer, int[] priorities, Random random)
    {
        var levels = new SortedSet<int>();
        foreach (var priority in priorities)
        {
            if (priority != LocalityPlan.Excluded)
            {
                levels.Add(priority);
            }
        }

        if (levels.Count == 1 && Array.IndexOf(priorities, LocalityPlan.Excluded) < 0)
        {
            return [new PriorityTier(endpoints, balancer)];
        }

        var tiers = new PriorityTier[levels.Count];
        var index = 0;
        foreach (var level in levels)
        {
            var members = new List<EndpointRuntime>();
            for (var i = 0; i < endpoints.Length; i++)
            {
                if (priorities[i] == level)
                {
                    members.Add(endpoints[i]);
                }
            }

            var array = members.ToArray();
            tiers[index++] = new PriorityTier(array, LoadBalancerFactory.Create(config, array, random));
        }

        return tiers;
    }
}
