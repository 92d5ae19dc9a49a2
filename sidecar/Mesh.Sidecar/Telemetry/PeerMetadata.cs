namespace Mesh.Sidecar.Telemetry;

/// <summary>The calling workload as the destination's telemetry names it.</summary>
internal sealed record PeerWorkload(string Namespace, string Name, string App, string Version, bool Gateway)
{
    // Hashed once: every proxied request looks its metric series up by a key that holds a workload. Equal workloads
    // have equal hashes, so the generated Equals, which compares this field too, is unchanged. Build new values with
    // the constructor, never with `with` (a copy would keep the original's hash).
    private readonly int _hash = HashCode.Combine(Namespace, Name, App, Version, Gateway);

    public override int GetHashCode() => _hash;

    public static PeerWorkload Unknown { get; } = new("unknown", "unknown", "unknown", "unknown", false);

    /// <summary>A caller known only by the namespace of its verified identity.</summary>
    public static PeerWorkload InNamespace(string ns) => new(ns, "unknown", "unknown", "unknown", false);
}

/// <summary>
/// Metadata exchange, as Istio's x-envoy-peer-metadata does it: the source sidecar names its workload in a request
/// header, and the destination sidecar reads it for its source_* labels and removes it before the app sees the request.
/// Like Istio's, it is a telemetry hint, not an identity: authorization uses only the verified mTLS principal.
/// </summary>
internal static class PeerMetadata
{
    public const string HeaderName = "x-mesh-peer";

    /// <summary>On a TCP connection's peer line only: the service port the caller connected to.</summary>
    public const string PortField = "port";
    private const int MaxLength = 512;

    public static string Format(PeerWorkload workload) =>
        $"ns={workload.Namespace};workload={workload.Name};app={workload.App};version={workload.Version}{(workload.Gateway ? ";gateway=true" : "")}";

    /// <summary>The service port a TCP peer line names; null when it names none.</summary>
    public static int? PortOf(string? value)
    {
        foreach (var part in (value ?? "").Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part.StartsWith(PortField + "=", StringComparison.Ordinal)
                && int.TryParse(part.AsSpan(PortField.Length + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port)
                && port is > 0 and <= 65535)
            {
                return port;
            }
        }

        return null;
    }

    /// <summary>Reads a header value; null when it is absent, too long or not of the expected shape.</summary>
    public static PeerWorkload? Parse(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > MaxLength)
        {
            return null;
        }

        string? ns = null, name = null, app = null, version = null;
        var gateway = false;
        foreach (var part in value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == part.Length - 1)
            {
                return null;
            }

            var field = part[(equals + 1)..];
            switch (part[..equals])
            {
                case "ns": ns = field; break;
                case "workload": name = field; break;
                case "app": app = field; break;
                case "version": version = field; break;
                case "gateway": gateway = field == "true"; break;
                default: break; // a newer sidecar's field
            }
        }

        return ns is null || name is null ? null : new PeerWorkload(ns, name, app ?? "unknown", version ?? "unknown", gateway);
    }
}
