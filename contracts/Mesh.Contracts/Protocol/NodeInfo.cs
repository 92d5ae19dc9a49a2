namespace Mesh.Contracts.Protocol;

/// <summary>The subscriber's identity, as sent in the first request of its subscription (docs/protocol.md).</summary>
public sealed record NodeInfo
{
    /// <summary>Unique id of the subscriber, e.g. <c>reviews-v1-7f9c</c>.</summary>
    public string Id { get; set; } = "";

    public string Namespace { get; set; } = "default";

    /// <summary>Service the workload belongs to, if any.</summary>
    public string? Service { get; init; }

    public IReadOnlyDictionary<string, string>? Labels { get; init; }

    /// <summary>Locality of the workload, if known.</summary>
    public string? Zone { get; init; }

    /// <summary>
    /// Hosts this subscriber depends on (Istio Sidecar egress hosts, e.g. <c>default/reviews</c> or <c>*/ratings</c>).
    /// Null means everything.
    /// </summary>
    public IReadOnlyList<string>? Dependencies { get; init; }
}
