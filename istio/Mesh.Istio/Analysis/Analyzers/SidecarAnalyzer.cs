using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>
/// istioctl's sidecar.SelectorAnalyzer: more than one Sidecar without a workload selector in a namespace (IST0111), a
/// selector that matches no workload (IST0101 selector), and two Sidecars selecting the same workload (IST0110).
/// Workloads are the registry's endpoints; without any in the namespace the selector checks are skipped.
/// </summary>
internal sealed class SidecarAnalyzer : IConfigAnalyzer
{
    public void Analyze(AnalysisContext context)
    {
        var sidecars = context.Of<SidecarSpec>(ResourceKinds.Sidecar).ToList();
        foreach (var group in sidecars.Where(s => s.Spec.WorkloadSelector?.Labels is not { Count: > 0 }).GroupBy(s => s.Resource.Key.Namespace))
        {
            var list = group.Select(s => s.Resource).ToList();
            if (list.Count > 1)
            {
                var names = IstioMessage.GoList(list.Select(AnalysisContext.FullName).Order(StringComparer.Ordinal));
                context.ReportAll(list, IstioMessage.MultipleSidecarsWithoutWorkloadSelectors, "spec", names, group.Key);
            }
        }

        var selecting = new Dictionary<(string Namespace, string Name), List<MeshResource>>();
        foreach (var (resource, spec) in sidecars)
        {
            if (spec.WorkloadSelector?.Labels is not { Count: > 0 } labels)
            {
                continue;
            }

            var inNamespace = context.Catalog.Workloads.Where(w => w.Namespace == resource.Key.Namespace).ToList();
            var matched = inNamespace.Where(w => labels.All(l => w.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
            if (inNamespace.Count > 0 && matched.Count == 0)
            {
                var selector = string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));
                context.Report(resource, IstioMessage.ReferencedResourceNotFound, "spec.workloadSelector", "selector", selector);
            }

            foreach (var workload in matched)
            {
                var key = (workload.Namespace, workload.Name);
                if (!selecting.TryGetValue(key, out var list))
                {
                    selecting[key] = list = [];
                }

                list.Add(resource);
            }
        }

        foreach (var ((ns, name), list) in selecting.Where(s => s.Value.Count > 1))
        {
            var names = IstioMessage.GoList(list.Select(AnalysisContext.FullName).Order(StringComparer.Ordinal));
            context.ReportAll(list, IstioMessage.ConflictingSidecarWorkloadSelectors, "spec.workloadSelector", names, ns, name);
        }
    }
}
