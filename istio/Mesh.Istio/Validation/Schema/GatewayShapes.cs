namespace Mesh.Istio.Validation.Schema;

// Istio Gateway, Sidecar and ServiceEntry fields (a Sidecar port has the shape of a Gateway port) the contracts model leaves out: checked for type and rules, not compiled.

internal sealed record TlsCertificate
{
    public string? ServerCertificate { get; init; }
    public string? PrivateKey { get; init; }
    public string? CaCertificates { get; init; }
}

/// <summary>Istio's TLS protocol versions, for minProtocolVersion and maxProtocolVersion.</summary>
internal static class TlsVersions
{
    public static readonly string[] All = ["TLS_AUTO", "TLSV1_0", "TLSV1_1", "TLSV1_2", "TLSV1_3"];
}

/// <summary>The Istio-only parts of a Sidecar read for their rules.</summary>
internal sealed record SidecarExtras
{
    public IReadOnlyList<Mesh.Contracts.Istio.Networking.IstioIngressListener>? Ingress { get; init; }
    public IReadOnlyList<EgressExtras>? Egress { get; init; }
}

internal sealed record EgressExtras
{
    public Mesh.Contracts.Istio.Networking.GatewayPort? Port { get; init; }
    public string? Bind { get; init; }
    public string? CaptureMode { get; init; }
}
