using System.Text.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Which resources a subscriber receives, from its declared dependencies (Istio Sidecar egress hosts:
/// <c>ns/host</c>, <c>*/host</c>, <c>ns/*</c>, <c>./host</c>). No declaration means everything. Security
/// resources of the subscriber's own and the root namespace always flow, as does its own service.
/// </summary>
internal sealed class SubscriptionScope
{
    public const string RootNamespace = "istio-system";

    private readonly List<(string Namespace, string Host)>? _hosts;
    private readonly string _namespace;

    private SubscriptionScope(string @namespace, List<(string, string)>? hosts, string key)
    {
        _namespace = @namespace;
        _hosts = hosts;
        Key = key;
    }

    /// <summary>Equal for subscribers that receive the same resources, so they can share serialized frames.</summary>
    public string Key { get; }

    public static SubscriptionScope For(NodeInfo node)
    {
        if (node.Dependencies is null)
        {
            return new SubscriptionScope(node.Namespace, null, "*");
        }

        var hosts = new List<(string, string)>();
        foreach (var dependency in node.Dependencies)
        {
            var slash = dependency.IndexOf('/', StringComparison.Ordinal);
            var ns = slash < 0 ? "*" : dependency[..slash];
            var host = slash < 0 ? dependency : dependency[(slash + 1)..];
            hosts.Add((ns == "." ? node.Namespace : ns, host));
        }

        if (node.Service is { Length: > 0 } own)
        {
            hosts.Add((node.Namespace, own));
        }

        var key = node.Namespace + "|" + string.Join(",", hosts.Select(h => h.Item1 + "/" + h.Item2).Order(StringComparer.Ordinal));
        return new SubscriptionScope(node.Namespace, hosts, key);
    }

    public bool Includes(MeshResource resource)
    {
        if (_hosts is null)
        {
            return true;
        }

        var ns = resource.Key.Namespace;
        switch (resource.Kind)
        {
            case ResourceKinds.Service:
                return Matches(ns, resource.Metadata.Name);
            case ResourceKinds.Endpoint:
                return Matches(ns, StringProperty(resource.Spec, "service"));
            case ResourceKinds.DestinationRule:
                return MatchesHost(ns, StringProperty(resource.Spec, "host"));
            case ResourceKinds.InferencePool:
                return Matches(ns, resource.Metadata.Name);
            case ResourceKinds.ImportedService:
                return Matches(ns, StringProperty(resource.Spec, "service"));
            case ResourceKinds.VirtualService:
            case ResourceKinds.ServiceEntry:
                return resource.Spec.ValueKind == JsonValueKind.Object
                    && resource.Spec.TryGetProperty("hosts", out var hosts)
                    && hosts.ValueKind == JsonValueKind.Array
                    && hosts.EnumerateArray().Any(h => MatchesHost(ns, h.GetString()));
            case ResourceKinds.PeerAuthentication:
            case ResourceKinds.AuthorizationPolicy:
            case ResourceKinds.RequestAuthentication:
                return ns == _namespace || ns == RootNamespace;
            case ResourceKinds.TrustBundle:
                return true; // every sidecar needs the roots to verify its peers, whatever it depends on
            default:
                return true;
        }
    }

    /// <summary>A host as written in a resource: short name (resource namespace), <c>name.ns</c>, or an FQDN.</summary>
    private bool MatchesHost(string resourceNamespace, string? host)
    {
        if (string.IsNullOrEmpty(host))
        {
            return false;
        }

        if (host == "*")
        {
            return true;
        }

        var parts = host.Split('.');
        return parts.Length switch
        {
            1 => Matches(resourceNamespace, host),
            _ when host.EndsWith(".svc.cluster.local", StringComparison.Ordinal) || parts.Length == 2 => Matches(parts[1], parts[0]) || Matches("*", host),
            _ => Matches("*", host) || Matches(resourceNamespace, host),
        };
    }

    private bool Matches(string ns, string? name)
    {
        if (name is null)
        {
            return false;
        }

        foreach (var (depNs, depHost) in _hosts!)
        {
            if ((depNs == "*" || depNs == ns || ns == "*") && (depHost == "*" || depHost == name || depHost.StartsWith(name + ".", StringComparison.Ordinal)))
            {
                return true;
            }
        }

        return false;
    }

    private static string? StringProperty(JsonElement spec, string name) =>
        spec.ValueKind == JsonValueKind.Object && spec.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
