using System.Text.Json.Serialization;

namespace Mesh.Contracts.Istio.Security;

/// <summary>Spec of an Istio <c>PeerAuthentication</c> (security.istio.io): the mutual TLS mode a workload accepts.</summary>
public sealed record PeerAuthenticationSpec
{
    public WorkloadSelector? Selector { get; init; }

    public PeerAuthenticationMtls? Mtls { get; init; }

    /// <summary>Per-port overrides keyed by the workload port number. Only valid with a selector.</summary>
    public IReadOnlyDictionary<int, PeerAuthenticationMtls>? PortLevelMtls { get; init; }
}

/// <summary>Istio <c>PeerAuthentication.MutualTLS</c>.</summary>
public sealed record PeerAuthenticationMtls
{
    public MtlsMode Mode { get; set; } = MtlsMode.Unset;
}

/// <summary>Istio mutual TLS modes. <see cref="Unset"/> inherits from the parent scope (namespace, then mesh).</summary>
[JsonConverter(typeof(JsonStringEnumConverter<MtlsMode>))]
public enum MtlsMode
{
    [JsonStringEnumMemberName("UNSET")]
    Unset,

    [JsonStringEnumMemberName("DISABLE")]
    Disable,

    [JsonStringEnumMemberName("PERMISSIVE")]
    Permissive,

    [JsonStringEnumMemberName("STRICT")]
    Strict,
}
