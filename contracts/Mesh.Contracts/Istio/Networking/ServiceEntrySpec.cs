namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>ServiceEntry</c> spec: services outside the registry.</summary>
public sealed record ServiceEntrySpec
{
    public IReadOnlyList<string>? Hosts { get; init; }
    public IReadOnlyList<string>? Addresses { get; init; }
    public IReadOnlyList<ServiceEntryPort>? Ports { get; init; }

    /// <summary>MESH_EXTERNAL or MESH_INTERNAL.</summary>
    public string? Location { get; init; }

    /// <summary>NONE, STATIC, DNS, DNS_ROUND_ROBIN.</summary>
    public string? Resolution { get; init; }
    public IReadOnlyList<WorkloadEntrySpec>? Endpoints { get; init; }
    public WorkloadSelector? WorkloadSelector { get; init; }
    public IReadOnlyList<string>? ExportTo { get; init; }
}

public sealed record ServiceEntryPort
{
    public int? Number { get; init; }
    public string? Protocol { get; init; }
    public string? Name { get; init; }
    public int? TargetPort { get; init; }
}

public sealed record WorkloadSelector
{
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
}

/// <summary>Istio <c>WorkloadEntry</c> spec, also used inline in ServiceEntry endpoints.</summary>
public sealed record WorkloadEntrySpec
{
    public string? Address { get; init; }
    public IReadOnlyDictionary<string, int>? Ports { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public string? Network { get; init; }
    public string? Locality { get; init; }
    public int? Weight { get; init; }
    public string? ServiceAccount { get; init; }
}
