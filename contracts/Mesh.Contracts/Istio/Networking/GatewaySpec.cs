namespace Mesh.Contracts.Istio.Networking;

/// <summary>Istio <c>Gateway</c> spec.</summary>
public sealed record GatewaySpec
{
    public IReadOnlyDictionary<string, string>? Selector { get; init; }
    public IReadOnlyList<GatewayServer>? Servers { get; init; }
}

public sealed record GatewayServer
{
    public GatewayPort? Port { get; init; }
    public IReadOnlyList<string>? Hosts { get; init; }
    public ServerTlsSettings? Tls { get; init; }
    public string? Name { get; init; }
}

public sealed record GatewayPort
{
    public int? Number { get; init; }
    public string? Protocol { get; init; }
    public string? Name { get; init; }
    public int? TargetPort { get; init; }
}

public sealed record ServerTlsSettings
{
    public bool? HttpsRedirect { get; init; }

    /// <summary>PASSTHROUGH, SIMPLE, MUTUAL, AUTO_PASSTHROUGH, ISTIO_MUTUAL.</summary>
    public string? Mode { get; init; }
    public string? ServerCertificate { get; init; }
    public string? PrivateKey { get; init; }
    public string? CaCertificates { get; init; }
    public string? CredentialName { get; init; }
}
