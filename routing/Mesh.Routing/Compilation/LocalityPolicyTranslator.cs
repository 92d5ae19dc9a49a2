using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>DestinationRule <c>localityLbSetting</c> to the balancer's locality settings (enforced by the sidecar).</summary>
internal static class LocalityPolicyTranslator
{
    /// <summary>
    /// <c>enabled: false</c> turns every locality behaviour off, lists included (Istio drops the whole setting then).
    /// Entries that validation refuses never reach here from the API; from files they are skipped rather than guessed.
    /// </summary>
    public static LoadBalancerConfig Apply(LoadBalancerConfig config, LocalityLbSetting? setting)
    {
        if (setting is null || !config.LocalityAware)
        {
            return config;
        }

        return config with
        {
            Distribute = Distribute(setting.Distribute),
            Failover = Failover(setting.Failover),
            FailoverPriority = FailoverPriority(setting.FailoverPriority),
        };
    }

    private static List<LocalityDistributeConfig> Distribute(IReadOnlyList<LocalityDistribute>? entries)
    {
        var result = new List<LocalityDistributeConfig>();
        foreach (var entry in entries ?? [])
        {
            if (string.IsNullOrEmpty(entry.From) || entry.To is not { Count: > 0 } to)
            {
                continue;
            }

            var weights = new List<LocalityWeight>(to.Count);
            foreach (var (locality, weight) in to)
            {
                if (weight > 0 && locality.Length > 0)
                {
                    weights.Add(new LocalityWeight(locality, weight));
                }
            }

            result.Add(new LocalityDistributeConfig(entry.From, weights));
        }

        return result;
    }

    private static List<LocalityFailoverConfig> Failover(IReadOnlyList<LocalityFailover>? entries)
    {
        var result = new List<LocalityFailoverConfig>();
        foreach (var entry in entries ?? [])
        {
            if (!string.IsNullOrEmpty(entry.From) && !string.IsNullOrEmpty(entry.To))
            {
                result.Add(new LocalityFailoverConfig(entry.From, entry.To));
            }
        }

        return result;
    }

    /// <summary>Istio splits each entry at <c>=</c>: <c>key</c> compares with the caller's label, <c>key=value</c> with the value.</summary>
    private static List<FailoverPriorityLabel> FailoverPriority(IReadOnlyList<string>? entries)
    {
        var result = new List<FailoverPriorityLabel>();
        foreach (var entry in entries ?? [])
        {
            var eq = entry.IndexOf('=', StringComparison.Ordinal);
            var key = (eq < 0 ? entry : entry[..eq]).Trim();
            if (key.Length > 0)
            {
                result.Add(new FailoverPriorityLabel(key, eq < 0 ? null : entry[(eq + 1)..].Trim()));
            }
        }

        return result;
    }
}
