using Mesh.Contracts.Istio.Networking;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Connection-level listeners: the selected Sidecar resource's egress listeners whose port speaks TCP or TLS (without
/// traffic capture a listener of its own is the only way an app can reach a TCP service through its sidecar, as in
/// Istio's <c>captureMode: NONE</c>), and the TCP and TLS-passthrough servers of the Gateways that select the node.
/// </summary>
/// <remarks>
/// Routes follow Istio: the VirtualServices for the listener's hosts (mesh-bound for sidecars, bound to the Gateway
/// for gateways) contribute their tcp routes (TCP) or tls routes (TLS), first match wins; a sidecar listener without
/// one falls back to the service on that port (TCP) or to the service whose host is the SNI (TLS).
/// </remarks>
internal sealed class TcpListenerBuilder(CompilationContext context, RouteTranslator translator)
{
    private static readonly HashSet<string> HttpProtocols = new(["HTTP", "HTTP2", "GRPC", "GRPC-WEB"], StringComparer.OrdinalIgnoreCase);

    public List<TcpListenerConfig> Build()
    {
        var result = new List<TcpListenerConfig>();
        AddSidecarListeners(result);
        AddGatewayServers(result);
        return result;
    }

    /// <summary>The connection-level mode of a gateway server, or null for the servers the HTTP listeners serve.</summary>
    public static TcpListenerMode? ModeOf(GatewayServer server)
    {
        var tlsMode = server.Tls?.Mode?.ToUpperInvariant();
        if (tlsMode == "AUTO_PASSTHROUGH")
        {
            return TcpListenerMode.AutoPassthrough;
        }

        if (tlsMode == "PASSTHROUGH")
        {
            return TcpListenerMode.TlsPassthrough;
        }

        var protocol = server.Port?.Protocol?.ToUpperInvariant();
        return protocol is null || HttpProtocols.Contains(protocol) || protocol is "HTTPS" or "TLS" ? null : TcpListenerMode.Tcp;
    }

    private void AddSidecarListeners(List<TcpListenerConfig> result)
    {
        if (DependencyFilter.SelectSidecar(context) is not { } sidecar)
        {
            return;
        }

        var listeners = sidecar.Spec.Egress ?? [];
        for (var i = 0; i < listeners.Count; i++)
        {
            if (listeners[i].Port is not { Number: { } port } declared)
            {
                continue;
            }

            var protocol = declared.Protocol?.ToUpperInvariant() ?? "TCP";
            if (HttpProtocols.Contains(protocol))
            {
                context.Warnings.Add($"Sidecar {sidecar.Namespace}/{sidecar.Name}: spec.egress[{i}] is {protocol}; HTTP is served on the outbound listener, so no listener is opened on port {port}");
                continue;
            }

            var mode = protocol is "TLS" or "HTTPS" ? TcpListenerMode.TlsPassthrough : TcpListenerMode.Tcp;
            var hosts = DependencyFilter.ForHosts(listeners[i].Hosts ?? ["*/*"], context.Node.Namespace);
            var scope = new RouteScope(CompilationContext.MeshGateway, port, context.Node.Namespace);
            var routes = VirtualServiceRoutes(MeshVirtualServices(hosts), mode, scope);
            AddDefaultRoutes(routes, hosts, mode, port, $"Sidecar {sidecar.Namespace}/{sidecar.Name}: spec.egress[{i}]");
            result.Add(new TcpListenerConfig
            {
                Name = declared.Name ?? $"{sidecar.Namespace}/{sidecar.Name}/{port}",
                Port = port,
                Mode = mode,
                Routes = routes,
            });
        }
    }

    private void AddGatewayServers(List<TcpListenerConfig> result)
    {
        Dictionary<string, List<Typed<VirtualServiceSpec>>>? bound = null;
        foreach (var gateway in context.Index.Gateways)
        {
            if (gateway.Spec.Selector is not { Count: > 0 } selector || !Labels.IsSubset(selector, context.NodeLabels))
            {
                continue;
            }

            var key = $"{gateway.Namespace}/{gateway.Name}";
            var servers = gateway.Spec.Servers ?? [];
            for (var i = 0; i < servers.Count; i++)
            {
                if (ModeOf(servers[i]) is not { } mode || servers[i].Port?.Number is not { } port)
                {
                    continue;
                }

                bound ??= GatewayBuilder.IndexByGateway(context);
                var routes = mode == TcpListenerMode.AutoPassthrough
                    ? []
                    : VirtualServiceRoutes(bound.GetValueOrDefault(key) ?? [], mode, new RouteScope(key, port, gateway.Namespace));
                result.Add(new TcpListenerConfig { Name = servers[i].Name ?? $"{key}/{i}", Port = port, Gateway = true, Mode = mode, Routes = routes });
            }
        }
    }

    private List<Typed<VirtualServiceSpec>> MeshVirtualServices(DependencyFilter hosts) =>
        context.Index.VirtualServices
            .Where(vs => vs.Spec.Gateways is not { Count: > 0 } gateways || gateways.Contains(CompilationContext.MeshGateway))
            .Where(vs => (vs.Spec.Hosts ?? []).Any(h => hosts.Allows(context.Resolve(h, vs.Namespace), context.Catalog.Find(context.Resolve(h, vs.Namespace))?.Namespace)))
            .ToList();

    private List<TcpRouteConfig> VirtualServiceRoutes(List<Typed<VirtualServiceSpec>> services, TcpListenerMode mode, RouteScope listener)
    {
        var routes = new List<TcpRouteConfig>();
        foreach (var vs in services)
        {
            // Matches name the gateways and namespaces as seen from the VirtualService's own namespace.
            var scope = listener with { Namespace = vs.Namespace };
            if (mode == TcpListenerMode.Tcp)
            {
                var tcp = vs.Spec.Tcp ?? [];
                for (var r = 0; r < tcp.Count; r++)
                {
                    var matches = (tcp[r].Match ?? []).Select(m => ((IReadOnlyList<string>?)null, MatchTranslator.AppliesHere(m.SourceLabels, m.SourceNamespace, m.Gateways, m.Port, context, scope))).ToList();
                    Add(routes, translator.TranslateL4(vs, "tcp", r, tcp[r].Route, matches, scope));
                }
            }
            else
            {
                var tls = vs.Spec.Tls ?? [];
                for (var r = 0; r < tls.Count; r++)
                {
                    var matches = (tls[r].Match ?? []).Select(m => (m.SniHosts, MatchTranslator.AppliesHere(m.SourceLabels, m.SourceNamespace, m.Gateways, m.Port, context, scope))).ToList();
                    Add(routes, translator.TranslateL4(vs, "tls", r, tls[r].Route, matches, scope));
                }
            }
        }

        return routes;
    }

    private static void Add(List<TcpRouteConfig> routes, TcpRouteConfig? route)
    {
        if (route is { Clusters.Count: > 0 })
        {
            routes.Add(route);
        }
    }

    private void AddDefaultRoutes(List<TcpRouteConfig> routes, DependencyFilter hosts, TcpListenerMode mode, int port, string referrer)
    {
        var services = context.Catalog.All.Where(s => s.FindPort(port) is not null && hosts.Allows(s.Fqdn, s.FromServiceEntry ? null : s.Namespace)).ToList();
        if (mode == TcpListenerMode.TlsPassthrough)
        {
            foreach (var service in services)
            {
                routes.Add(Default(service.Fqdn, port, [service.Fqdn]));
            }

            return;
        }

        if (routes.Count > 0 || services.Count == 0)
        {
            if (routes.Count == 0)
            {
                context.Warnings.Add($"{referrer}: no service among its hosts has port {port}; connections to it are closed");
            }

            return;
        }

        if (services.Count > 1)
        {
            context.Warnings.Add($"{referrer}: {services.Count} services have port {port} ({string.Join(", ", services.Select(s => s.Fqdn))}); {services[0].Fqdn} is used. Narrow the listener's hosts or add a tcp route");
        }

        routes.Add(Default(services[0].Fqdn, port, []));
    }

    private TcpRouteConfig Default(string fqdn, int port, IReadOnlyList<string> sni) => new()
    {
        Name = "default",
        SniHosts = sni,
        Clusters = [new WeightedClusterConfig { Cluster = context.ClusterBuilder.Ensure(fqdn, port, null, $"port {port}"), Weight = 100 }],
    };
}
