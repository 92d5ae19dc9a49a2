namespace Mesh.Contracts.Inference;

/// <summary>
/// The Gateway API Inference Extension's <c>InferencePool</c> (<c>inference.networking.k8s.io/v1</c>): a pool of model
/// servers chosen by labels, on the ports that serve inference. Mesh routes to it as a host named after the pool and
/// picks its endpoints with the sidecar's built-in endpoint picker (docs/ai-traffic.md, "InferencePool").
/// </summary>
public sealed record InferencePoolSpec
{
    public PoolSelector? Selector { get; init; }
    public IReadOnlyList<PoolPort>? TargetPorts { get; init; }

    /// <summary><c>http</c> (HTTP/1.1, the default) or <c>kubernetes.io/h2c</c>.</summary>
    public string? AppProtocol { get; init; }

    public EndpointPickerRef? EndpointPickerRef { get; init; }
}

/// <summary>Kubernetes' label selector as the pool uses it: <c>matchLabels</c> only.</summary>
public sealed record PoolSelector
{
    public IReadOnlyDictionary<string, string>? MatchLabels { get; init; }
}

public sealed record PoolPort
{
    public int? Number { get; init; }
}

/// <summary>The external endpoint picker a Kubernetes gateway would call; Mesh's sidecars pick themselves.</summary>
public sealed record EndpointPickerRef
{
    public string? Group { get; init; }
    public string? Kind { get; init; }
    public string? Name { get; init; }
    public PoolPort? Port { get; init; }

    /// <summary><c>FailOpen</c> or <c>FailClose</c> (the default).</summary>
    public string? FailureMode { get; init; }
}
