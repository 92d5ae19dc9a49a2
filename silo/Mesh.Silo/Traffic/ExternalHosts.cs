using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;

namespace Mesh.Silo.Traffic;

/// <summary>
/// The hosts of MESH_EXTERNAL ServiceEntries. A sidecar reports a call to such a host as an ordinary outbound edge
/// whose <c>destination_service</c> is the host (there is no sidecar on the far side to name a workload), so the
/// graph tells them apart by the host, as Kiali does with the ServiceEntries it reads from the API server.
/// </summary>
internal sealed class ExternalHosts
{
    public static readonly ExternalHosts None = new([], []);

    private readonly HashSet<string> _exact;
    private readonly List<string> _wildcardSuffixes;

    private ExternalHosts(HashSet<string> exact, List<string> wildcardSuffixes)
    {
        _exact = exact;
        _wildcardSuffixes = wildcardSuffixes;
    }

    public static ExternalHosts From(IEnumerable<MeshResource> serviceEntries)
    {
        var exact = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var wildcards = new List<string>();
        foreach (var entry in serviceEntries)
        {
            var spec = MeshJson.FromElement<ServiceEntrySpec>(entry.Spec);
            // Istio's default location is MESH_EXTERNAL; only MESH_INTERNAL entries are part of the mesh.
            if (spec is null || string.Equals(spec.Location, "MESH_INTERNAL", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            foreach (var host in spec.Hosts ?? [])
            {
                exact.Add(host);
                if (host.StartsWith("*.", StringComparison.Ordinal))
                {
                    wildcards.Add(host[1..]);
                }
            }
        }

        return new ExternalHosts(exact, wildcards);
    }

    /// <summary>True for a host an external ServiceEntry names, or one under its wildcard (<c>*.example.com</c>).</summary>
    public bool Contains(string host) =>
        host.Length > 0 && (_exact.Contains(host) || _wildcardSuffixes.Exists(suffix => host.Length > suffix.Length && host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)));
}
