using Mesh.Sidecar.Hosting;

namespace Mesh.Sidecar.Telemetry;

/// <summary>
/// This sidecar's workload as telemetry names it on both ends of a hop: its own series, and (through
/// <see cref="PeerMetadata"/>) the destination sidecar's source_* labels.
/// </summary>
internal sealed class LocalWorkload
{
    private readonly Security.CertificateStore _certificates;

    public LocalWorkload(SidecarOptions options, Security.CertificateStore certificates)
    {
        _certificates = certificates;
        Workload = new PeerWorkload(options.Namespace, options.Workload, options.App, options.Version ?? "unknown", options.Mode == SidecarMode.Gateway);
        PeerHeaderValue = PeerMetadata.Format(Workload);
    }

    /// <summary>Namespace, workload name, app, version and whether it is a gateway.</summary>
    public PeerWorkload Workload { get; }

    /// <summary>The <see cref="PeerMetadata.HeaderName"/> value the outbound side adds to every request.</summary>
    public string PeerHeaderValue { get; }

    /// <summary>Istio's principal label: this workload's SPIFFE ID, or "unknown" without a certificate.</summary>
    public string Principal => _certificates.Identity?.Id.ToString() ?? "unknown";
}
