namespace Mesh.Sidecar.LoadBalancing.Locality;

/// <summary>
/// Per endpoint of one cluster: its priority (0 is tried first; <see cref="Excluded"/> is never chosen) and, for
/// <c>distribute</c>, the weight that gives its locality the configured share (null keeps the endpoints' own weights).
/// </summary>
internal sealed record LocalityPlan(int[] Priorities, int[]? Weights)
{
    public const int Excluded = -1;
}
