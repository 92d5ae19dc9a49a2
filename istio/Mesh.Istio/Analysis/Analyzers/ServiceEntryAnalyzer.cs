using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's serviceentry analyzers: a TCP (or unnamed-protocol) port without addresses (IST0134), and entries that
/// give one host and port different protocols where both are visible (IST0177, on every entry involved).
/// </summary>
internal sealed class ServiceEntryAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        var index = new Dictionary<(string Scope, string Host, int Port), List<(string Protocol, MeshResource Resource)>>();
        foreach (var (resource, spec) in context.Of<ServiceEntrySpec>(ResourceKinds.ServiceEntry))
        {
            var ports = spec.Ports ?? [];
            if (spec.Addresses is not { Count: > 0 })
            {
                for (var i = 0; i < ports.Count; i++)
                {
                    if (string.IsNullOrEmpty(ports[i].Protocol) || ports[i].Protocol!.Equals("TCP", StringComparison.OrdinalIgnoreCase))
                    {
                        context.Report(resource, IstioMessage.ServiceEntryAddressesRequired, $"spec.ports[{i}].protocol");
                    }
                }
            }

            foreach (var scope in ExportScopes.Of(spec.ExportTo, resource.Key.Namespace))
            {
                foreach (var host in spec.Hosts ?? [])
                {
                    foreach (var port in ports)
                    {
                        var key = (scope, host, port.Number ?? 0);
                        if (!index.TryGetValue(key, out var list))
                        {
                            index[key] = list = [];
                        }

                        list.Add(((port.Protocol ?? "").ToUpperInvariant(), resource));
                    }
                }
            }
        }

        var reported = new HashSet<ResourceKey>();
        foreach (var (key, list) in index.OrderBy(e => e.Key.Scope, StringComparer.Ordinal).ThenBy(e => e.Key.Host, StringComparer.Ordinal).ThenBy(e => e.Key.Port))
        {
            var entries = key.Scope == ExportScopes.Everywhere ? list : [.. list, .. index.GetValueOrDefault((ExportScopes.Everywhere, key.Host, key.Port)) ?? []];
            var protocols = entries.Select(e => e.Protocol).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            if (protocols.Count < 2)
            {
                continue;
            }

            var involved = entries.Select(e => e.Resource).DistinctBy(r => r.Key).ToList();
            var names = string.Join(", ", involved.Select(AnalysisContext.FullName).Order(StringComparer.Ordinal));
            context.ReportAll(involved, involved.Where(r => reported.Add(r.Key)).ToList(), IstioMessage.ConflictingServiceEntryProtocol, "spec.ports",
                names, key.Host, key.Port, string.Join(", ", protocols));
        }
    }
}
