using System.Text.Json;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Selects the security resources that apply to this workload. Their specs are read as JSON here (the security layer
/// owns their typed models): only <c>selector.matchLabels</c>, <c>mtls.mode</c> and <c>portLevelMtls</c> matter.
/// </summary>
internal static class InboundBuilder
{
    public static InboundConfig Build(CompilationContext context)
    {
        var mode = PeerAuthentication(context, out var ports);
        return new InboundConfig
        {
            MtlsMode = mode,
            PortMtlsModes = ports,
            AuthorizationPolicies = Select(context.Index.AuthorizationPolicies, context),
            RequestAuthentications = Select(context.Index.RequestAuthentications, context),
            IngressListeners = IngressListeners(context),
        };
    }

    /// <summary>The selecting Sidecar's ingress listeners with a port and a usable default endpoint (validation refuses others).</summary>
    private static List<IngressListenerConfig> IngressListeners(CompilationContext context)
    {
        var result = new List<IngressListenerConfig>();
        foreach (var listener in DependencyFilter.SelectSidecar(context)?.Spec.Ingress ?? [])
        {
            if (listener.Port?.Number is { } port && listener.DefaultEndpoint is { } text
                && Contracts.Istio.Networking.IngressEndpoint.TryParse(text, out var endpoint))
            {
                result.Add(new IngressListenerConfig
                {
                    Port = port,
                    Name = listener.Port.Name ?? "",
                    Protocol = (listener.Port.Protocol ?? "HTTP").ToUpperInvariant(),
                    Endpoint = endpoint,
                });
            }
        }

        return result;
    }

    /// <summary>
    /// A policy applies when it is in the node's namespace and its selector (if any) matches the node, or when it is
    /// in the root namespace: without a selector to every workload, with one to matching workloads of any namespace.
    /// </summary>
    private static List<MeshResource> Select(List<MeshResource> policies, CompilationContext context)
    {
        var result = new List<MeshResource>();
        foreach (var policy in policies)
        {
            var ns = policy.Metadata.Namespace ?? "default";
            if ((ns == context.Node.Namespace || ns == context.Options.RootNamespace) && Labels.IsSubset(MatchLabels(policy.Spec), context.NodeLabels))
            {
                result.Add(policy);
            }
        }

        return result;
    }

    /// <summary>
    /// Precedence workload selector &gt; namespace &gt; mesh (root namespace), oldest first among equals. UNSET inherits
    /// from the next level; portLevelMtls counts only on a workload-level policy, as in Istio.
    /// </summary>
    private static MtlsMode PeerAuthentication(CompilationContext context, out IReadOnlyDictionary<int, MtlsMode> ports)
    {
        MeshResource? workload = null, ns = null, mesh = null;
        foreach (var policy in context.Index.PeerAuthentications)
        {
            var policyNamespace = policy.Metadata.Namespace ?? "default";
            var selector = MatchLabels(policy.Spec);
            if (policyNamespace == context.Node.Namespace && selector is { Count: > 0 })
            {
                if (Labels.IsSubset(selector, context.NodeLabels))
                {
                    workload ??= policy;
                }
            }
            else if (policyNamespace == context.Node.Namespace)
            {
                ns ??= policy;
            }
            else if (policyNamespace == context.Options.RootNamespace && selector is not { Count: > 0 })
            {
                mesh ??= policy;
            }
        }

        var mode = Mode(workload?.Spec) ?? Mode(ns?.Spec) ?? Mode(mesh?.Spec) ?? MtlsMode.Permissive;
        var portModes = new Dictionary<int, MtlsMode>();
        if (workload is not null && Property(workload.Spec, "portLevelMtls") is { ValueKind: JsonValueKind.Object } portLevel)
        {
            foreach (var entry in portLevel.EnumerateObject())
            {
                if (int.TryParse(entry.Name, out var port) && ModeOf(entry.Value) is { } portMode)
                {
                    portModes[port] = portMode;
                }
            }
        }

        ports = portModes;
        return mode;
    }

    private static MtlsMode? Mode(JsonElement? spec) =>
        spec is { } s && Property(s, "mtls") is { } mtls ? ModeOf(mtls) : null;

    private static MtlsMode? ModeOf(JsonElement mtls) =>
        Property(mtls, "mode") is { ValueKind: JsonValueKind.String } mode
            ? mode.GetString()?.ToUpperInvariant() switch
            {
                "STRICT" => MtlsMode.Strict,
                "PERMISSIVE" => MtlsMode.Permissive,
                "DISABLE" => MtlsMode.Disable,
                _ => null,
            }
            : null;

    private static Dictionary<string, string>? MatchLabels(JsonElement spec)
    {
        if (Property(spec, "selector") is not { } selector || Property(selector, "matchLabels") is not { ValueKind: JsonValueKind.Object } labels)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var label in labels.EnumerateObject())
        {
            result[label.Name] = label.Value.ValueKind == JsonValueKind.String ? label.Value.GetString()! : label.Value.GetRawText();
        }

        return result;
    }

    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : null;
}
