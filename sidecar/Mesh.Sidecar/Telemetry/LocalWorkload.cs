using Mesh.Sidecar.Hosting;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// This sidecar's workload as telemetry names it on both ends of a hop: its own series, and (through
/// <see cref="PeerMetadata"/>) the destination sidecar's source_* labels.
/// </summary>
internal sealed class LocalWorkload
{
    public LocalWorkload(SidecarOptions options, Security.CertificateStore certificates)
    {
        Namespace = options.Namespace;
        App = options.App;
        Version = options.Version ?? "unknown";
        Name = options.Workload;
        Gateway = options.Mode == SidecarMode.Gateway;
        PeerHeaderValue = PeerMetadata.Format(new PeerWorkload(Namespace, Name, App, Version, Gateway));
        _certificates = certificates;
    }

    private readonly Security.CertificateStore _certificates;

    public string Namespace { get; }
    public string Name { get; }
    public string App { get; }
    public string Version { get; }
    public bool Gateway { get; }

    /// <summary>The <see cref="PeerMetadata.HeaderName"/> value the outbound side adds to every request.</summary>
    public string PeerHeaderValue { get; }

    /// <summary>Istio's principal label: this workload's SPIFFE ID, or "unknown" without a certificate.</summary>
    public string Principal => _certificates.Identity?.Id.ToString() ?? "unknown";
}
