namespace Mesh.Contracts.Istio.Security;

/// <summary>Istio <c>WorkloadSelector</c>: the policy applies to workloads carrying all of these labels.</summary>
public sealed record WorkloadSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }

    /// <summary>True when every selector label is present with the same value (an empty selector matches all).</summary>
    public bool Matches(IReadOnlyDictionary<string, string>? workloadLabels)
    {
        if (MatchLabels is null || MatchLabels.Count == 0)
        {
            return true;
        }

        if (workloadLabels is null)
        {
            return false;
        }

        foreach (var (key, value) in MatchLabels)
        {
            if (!workloadLabels.TryGetValue(key, out var actual) || !string.Equals(actual, value, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }
}
