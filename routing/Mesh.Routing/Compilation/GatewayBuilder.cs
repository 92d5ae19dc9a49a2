using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Listeners for Gateway resources whose selector matches the node's labels (an empty selector selects nothing, so
/// ordinary sidecars never become gateways). Each server gets the virtual hosts of the VirtualServices bound to the
/// gateway whose hosts fall under the server's hosts; several VirtualServices for one host merge in creation order,
/// as Istio does for gateways.
/// </summary>
internal sealed class GatewayBuilder(CompilationContext context, RouteTranslator translator)
{
    public List<GatewayListenerConfig> Build()
    {
        var listeners = new List<GatewayListenerConfig>();
        Dictionary<string, List<Typed<VirtualServiceSpec>>>? bound = null;
        foreach (var gateway in context.Index.Gateways)
        {
            if (gateway.Spec.Selector is not { Count: > 0 } selector || !Labels.IsSubset(selector, context.NodeLabels))
            {
                continue;
            }

            bound ??= IndexByGateway(context);
            var key = $"{gateway.Namespace}/{gateway.Name}";
            var services = bound.GetValueOrDefault(key) ?? [];
            var servers = gateway.Spec.Servers ?? [];
            for (var i = 0; i < servers.Count; i++)
            {
                if (servers[i].Port?.Number is not { } port)
                {
                    context.Warnings.Add($"{gateway.Display}: spec.servers[{i}].port.number is missing; server ignored");
                    continue;
                }

                if (TcpListenerBuilder.ModeOf(servers[i]) is not null)
                {
                    continue; // a connection-level listener (TcpListenerBuilder)
                }

                listeners.Add(Listener(gateway, key, servers[i], i, port, services));
            }
        }

        return listeners;
    }

    private GatewayListenerConfig Listener(Typed<GatewaySpec> gateway, string key, GatewayServer server, int index, int port, List<Typed<VirtualServiceSpec>> services)
    {
        var serverHosts = (server.Hosts ?? []).Select(h => StripNamespace(h)).ToList();
        var routesByDomain = new Dictionary<string, List<RouteConfig>>(StringComparer.OrdinalIgnoreCase);
        foreach (var vs in services)
        {
            var scope = new RouteScope(key, port, vs.Namespace);
            foreach (var rawHost in vs.Spec.Hosts ?? [])
            {
                var domain = Intersect(context.Resolve(rawHost, vs.Namespace), serverHosts);
                if (domain is null)
                {
                    continue;
                }

                if (!routesByDomain.TryGetValue(domain, out var routes))
                {
                    routesByDomain[domain] = routes = [];
                }

                routes.AddRange(translator.TranslateHttp(vs, scope));
            }
        }

        var tls = server.Tls;
        var terminates = tls?.Mode is { Length: > 0 } mode && !mode.Equals("PASSTHROUGH", StringComparison.OrdinalIgnoreCase);
        return new GatewayListenerConfig
        {
            Name = server.Name ?? $"{key}/{index}",
            Port = port,
            Protocol = server.Port?.Protocol?.ToUpperInvariant() ?? "HTTP",
            Hosts = serverHosts,
            HttpsRedirect = tls?.HttpsRedirect ?? false,
            Tls = !terminates ? null : new GatewayTlsConfig
            {
                Mode = tls!.Mode!.ToUpperInvariant(),
                ServerCertificate = tls.ServerCertificate,
                PrivateKey = tls.PrivateKey,
                CaCertificates = tls.CaCertificates,
                CredentialName = tls.CredentialName,
                HttpsRedirect = tls.HttpsRedirect ?? false,
            },
            VirtualHosts = routesByDomain.Select(pair => new VirtualHostConfig
            {
                Name = $"{pair.Key}:{port}",
                Domains = pair.Key == "*" ? ["*"] : [pair.Key, $"{pair.Key}:{port}"],
                Port = port,
                Routes = pair.Value,
            }).ToList(),
        };
    }

    /// <summary>The VirtualServices bound to each Gateway, by <c>namespace/name</c>, in creation order.</summary>
    public static Dictionary<string, List<Typed<VirtualServiceSpec>>> IndexByGateway(CompilationContext context)
    {
        var result = new Dictionary<string, List<Typed<VirtualServiceSpec>>>(StringComparer.Ordinal);
        foreach (var vs in context.Index.VirtualServices)
        {
            foreach (var reference in vs.Spec.Gateways ?? [])
            {
                var key = RouteScope.Qualify(reference, vs.Namespace);
                if (key == CompilationContext.MeshGateway)
                {
                    continue;
                }

                if (!result.TryGetValue(key, out var list))
                {
                    result[key] = list = [];
                }

                list.Add(vs);
            }
        }

        return result;
    }

    /// <summary>Server hosts may be written <c>namespace/host</c>; the namespace part only limits which VirtualServices bind.</summary>
    private static string StripNamespace(string host)
    {
        var slash = host.IndexOf('/', StringComparison.Ordinal);
        return (slash < 0 ? host : host[(slash + 1)..]).ToLowerInvariant();
    }

    /// <summary>The domain a VirtualService host serves on a server: itself if a server host covers it, else the narrower server host.</summary>
    private static string? Intersect(string vsHost, List<string> serverHosts)
    {
        foreach (var serverHost in serverHosts)
        {
            if (HostNames.Matches(serverHost, vsHost))
            {
                return vsHost;
            }
        }

        foreach (var serverHost in serverHosts)
        {
            if (HostNames.Matches(vsHost, serverHost))
            {
                return serverHost;
            }
        }

        return null;
    }
}
