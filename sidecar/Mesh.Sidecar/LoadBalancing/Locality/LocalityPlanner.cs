using Mesh.Routing.Model;

namespace Mesh.Sidecar.LoadBalancing.Locality;

/// <summary>
/// Istio's locality load balancing as priorities and weights, computed once per cluster and configuration (never per
/// request). Istio applies failover only with outlier detection; the mesh always does, because registry health
/// (active checks, leases) also tells it when a locality has nothing left.
/// </summary>
internal static class LocalityPlanner
{
    /// <summary>Locality priorities span 0..4 (Istio's): failoverPriority, combined with failover, takes the higher digit.</summary>
    private const int LocalityLevels = 5;

    /// <summary>Share units per percent of a distribute weight, so one endpoint of several keeps a fair integer weight.</summary>
    private const int WeightScale = 100;

    public static LocalityPlan Plan(LoadBalancerConfig lb, IReadOnlyList<EndpointConfig> endpoints, CallerLocality caller)
    {
        var priorities = new int[endpoints.Count];
        if (!lb.LocalityAware)
        {
            return new LocalityPlan(priorities, null);
        }

        if (lb.Distribute.Count > 0)
        {
            // Istio: with distribute set, a caller no rule is from gets neither weights nor failover.
            var rule = lb.Distribute.FirstOrDefault(d => LocalityPattern.Matches(d.From, caller.Region, caller.Zone, caller.Subzone));
            return rule is null ? new LocalityPlan(priorities, null) : Distribute(rule, endpoints);
        }

        for (var i = 0; i < endpoints.Count; i++)
        {
            var locality = LocalityPriority(caller, endpoints[i], lb.Failover);
            priorities[i] = lb.FailoverPriority.Count == 0 ? locality
                : lb.Failover.Count == 0 ? LabelPriority(caller, endpoints[i], lb.FailoverPriority)
                : (LabelPriority(caller, endpoints[i], lb.FailoverPriority) * LocalityLevels) + locality;
        }

        return new LocalityPlan(priorities, null);
    }

    /// <summary>
    /// 0: same region, zone and subzone; 1: same region and zone; 2: same region; 3: another region (the failover
    /// <c>to</c> region when the caller's region has a failover rule); 4: every other region under such a rule. A part
    /// of its own locality the caller does not know matches any value, so a sidecar started with only <c>--zone</c>
    /// prefers its zone whatever region endpoints name.
    /// </summary>
    public static int LocalityPriority(CallerLocality caller, EndpointConfig endpoint, IReadOnlyList<LocalityFailoverConfig> failover)
    {
        if (Same(caller.Region, endpoint.Region))
        {
            return !Same(caller.Zone, endpoint.Zone) ? 2 : Same(caller.Subzone, endpoint.Subzone) ? 0 : 1;
        }

        foreach (var rule in failover)
        {
            if (rule.From == caller.Region)
            {
                return rule.To == endpoint.Region ? 3 : 4;
            }
        }

        return 3;
    }

    /// <summary>
    /// N labels: an endpoint sharing the first k with the caller (and not the next) has priority N - k. As in Istio, a
    /// label both lack counts as shared, and <c>key=value</c> compares the endpoint with the value instead of the caller.
    /// </summary>
    public static int LabelPriority(CallerLocality caller, EndpointConfig endpoint, IReadOnlyList<FailoverPriorityLabel> labels)
    {
        var matched = 0;
        foreach (var label in labels)
        {
            var wanted = label.Value ?? caller.Label(label.Key) ?? "";
            if (!string.Equals(wanted, CallerLocality.EndpointLabel(endpoint, label.Key) ?? "", StringComparison.Ordinal))
            {
                break;
            }

            matched++;
        }

        return labels.Count - matched;
    }

    /// <summary>
    /// Each <c>to</c> entry, in order, takes the endpoints not taken before whose locality it matches and splits its
    /// weight among them by endpoint weight (Istio divides a wildcard's weight over the localities it matches the same
    /// way). Endpoints no entry takes are excluded.
    /// </summary>
    private static LocalityPlan Distribute(LocalityDistributeConfig rule, IReadOnlyList<EndpointConfig> endpoints)
    {
        var priorities = new int[endpoints.Count];
        Array.Fill(priorities, LocalityPlan.Excluded);
        var weights = new int[endpoints.Count];
        var taken = new List<int>();
        foreach (var target in rule.To)
        {
            taken.Clear();
            long total = 0;
            for (var i = 0; i < endpoints.Count; i++)
            {
                var endpoint = endpoints[i];
                if (priorities[i] == LocalityPlan.Excluded && LocalityPattern.Matches(target.Locality, endpoint.Region, endpoint.Zone, endpoint.Subzone))
                {
                    taken.Add(i);
                    total += Math.Max(1, endpoint.Weight);
                }
            }

            foreach (var i in taken)
            {
                priorities[i] = 0;
                weights[i] = (int)Math.Max(1, Math.Round((double)target.Weight * WeightScale * Math.Max(1, endpoints[i].Weight) / total));
            }
        }

        return new LocalityPlan(priorities, weights);
    }

    private static bool Same(string? caller, string? endpoint) =>
        caller is null || string.Equals(caller, endpoint ?? "", StringComparison.Ordinal);
}
