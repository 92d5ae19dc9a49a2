using System.Net;
using Mesh.Contracts.Istio.Networking;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Validation;

/// <summary>ServiceEntry, WorkloadEntry and Sidecar: the registry-like Istio kinds.</summary>
internal static class ServiceEntryValidator
{
    public static void Validate(ServiceEntrySpec spec, ValidationContext context)
    {
        if (spec.Hosts is not { Count: > 0 })
        {
            context.Error("spec.hosts", "at least one host is required");
        }

        for (var i = 0; i < (spec.Hosts?.Count ?? 0); i++)
        {
            context.Required($"spec.hosts[{i}]", spec.Hosts![i]);
            if (spec.Hosts[i] == "*")
            {
                context.Error($"spec.hosts[{i}]", "invalid host *");
            }
        }

        for (var i = 0; i < (spec.Addresses?.Count ?? 0); i++)
        {
            if (spec.Addresses![i].Contains('/', StringComparison.Ordinal) && spec.Resolution is not (null or "NONE" or "STATIC"))
            {
                context.Error($"spec.addresses[{i}]", "CIDR addresses are allowed only for NONE/STATIC resolution types");
            }
        }

        if (spec.Resolution is null or "NONE" && spec.Endpoints is { Count: > 0 })
        {
            context.Error("spec.endpoints", "no endpoints should be provided for resolution type none");
        }

        if (spec.Resolution == "DNS_ROUND_ROBIN" && spec.Endpoints is { Count: > 1 })
        {
            context.Error("spec.endpoints", "there must only be 0 or 1 endpoint for resolution mode DNS_ROUND_ROBIN");
        }

        var portNames = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < (spec.Ports?.Count ?? 0); i++)
        {
            if (spec.Ports![i].Name is { Length: > 0 } name && !portNames.Add(name))
            {
                context.Error($"spec.ports[{i}].name", $"duplicate port names: {name}");
            }
        }

        var numbers = new HashSet<int>();
        for (var i = 0; i < (spec.Ports?.Count ?? 0); i++)
        {
            var port = spec.Ports![i];
            if (port.Number is null)
            {
                context.Error($"spec.ports[{i}].number", "is required");
            }
            else if (!numbers.Add(port.Number.Value))
            {
                context.Error($"spec.ports[{i}].number", $"duplicate port {port.Number}");
            }

            context.Port($"spec.ports[{i}].number", port.Number);
            context.Port($"spec.ports[{i}].targetPort", port.TargetPort);
            Protocol($"spec.ports[{i}].protocol", port.Protocol, context);
        }

        Visibility.Check("spec.exportTo", spec.ExportTo, serviceEntry: true, context);
        context.OneOf("spec.resolution", spec.Resolution, "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS");
        context.OneOf("spec.location", spec.Location, "MESH_EXTERNAL", "MESH_INTERNAL");
        if (spec.Endpoints is { Count: > 0 } && spec.WorkloadSelector is not null)
        {
            context.Error("spec.workloadSelector", "only one of endpoints or workloadSelector may be set");
        }

        if (spec.Resolution == "STATIC" && spec.Endpoints is not { Count: > 0 } && spec.WorkloadSelector is null)
        {
            context.Error("spec.endpoints", "STATIC resolution needs endpoints or a workloadSelector");
        }

        for (var i = 0; i < (spec.Endpoints?.Count ?? 0); i++)
        {
            Workload(spec.Endpoints![i], $"spec.endpoints[{i}]", context);
        }
    }

    public static void Workload(WorkloadEntrySpec spec, string path, ValidationContext context)
    {
        if (string.IsNullOrWhiteSpace(spec.Address))
        {
            // Istio reaches an address-less workload through its network's gateway; the sidecars skip it for now.
            if (string.IsNullOrEmpty(spec.Network))
            {
                context.Error($"{path}.address", "is required (or set network)");
            }
            else
            {
                context.Warning(Schema.IstioFields.NotEnforced, $"{path}.address", "accepted, not enforced yet: a workload without an address (reached through its network's gateway) is not routed to");
            }
        }
        else if (spec.Address.StartsWith("unix://", StringComparison.Ordinal))
        {
            var socket = spec.Address["unix://".Length..];
            if (!(socket.StartsWith('/') || socket.StartsWith('@')) || socket.EndsWith('/') || socket.Length < 2)
            {
                context.Error($"{path}.address", $"\"{spec.Address}\" must be an absolute socket path (unix:///path or unix://@abstract)");
            }

            if (spec.Ports is { Count: > 0 })
            {
                context.Error($"{path}.ports", "unix socket endpoints cannot have ports");
            }
        }
        else if (!Dns1123.IsAddress(spec.Address))
        {
            context.Error($"{path}.address", $"\"{spec.Address}\" is not an IP address or DNS name");
        }

        foreach (var (name, port) in spec.Ports ?? new Dictionary<string, int>())
        {
            if (!Dns1123.IsLabel(name))
            {
                context.Error($"{path}.ports.{name}", $"invalid port name: {name}");
            }

            context.Port($"{path}.ports.{name}", port);
        }

        context.NonNegative($"{path}.weight", spec.Weight);
    }

    /// <summary>An empty protocol is valid Istio: the proxy sniffs it.</summary>
    private static void Protocol(string path, string? protocol, ValidationContext context)
    {
        if (!string.IsNullOrEmpty(protocol))
        {
            context.OneOf(path, protocol.ToUpperInvariant(), GatewayValidator.Protocols);
        }
    }

    public static void Sidecar(SidecarSpec spec, SidecarExtras extras, ValidationContext context)
    {
        for (var i = 0; i < (extras.Ingress?.Count ?? 0); i++)
        {
            var ingress = extras.Ingress![i];
            var path = $"spec.ingress[{i}]";
            if (ingress.Port is not { } port)
            {
                context.Error($"{path}.port", "is required");
            }
            else
            {
                SidecarPort(port, $"{path}.port", context);
            }

            Bind(ingress.Bind, $"{path}.bind", context);
            context.OneOf($"{path}.captureMode", ingress.CaptureMode, "DEFAULT", "IPTABLES", "NONE");
            if (ingress.DefaultEndpoint is { } endpoint && !Mesh.Contracts.Istio.Networking.IngressEndpoint.TryParse(endpoint, out _))
            {
                context.Error($"{path}.defaultEndpoint", $"\"{endpoint}\" must be 127.0.0.1:PORT, 0.0.0.0:PORT, [::1]:PORT, [::]:PORT or unix:///path");
            }
        }

        for (var i = 0; i < (extras.Egress?.Count ?? 0); i++)
        {
            var egress = extras.Egress![i];
            if (egress.Port is { } port)
            {
                SidecarPort(port, $"spec.egress[{i}].port", context);
            }

            context.OneOf($"spec.egress[{i}].captureMode", egress.CaptureMode, "DEFAULT", "IPTABLES", "NONE");
            if (egress.Bind is { } bind && !bind.StartsWith("unix://", StringComparison.Ordinal))
            {
                Bind(bind, $"spec.egress[{i}].bind", context);
            }
        }

        context.OneOf("spec.outboundTrafficPolicy.mode", spec.OutboundTrafficPolicy?.Mode, "REGISTRY_ONLY", "ALLOW_ANY");
        if (spec.OutboundTrafficPolicy is { EgressProxy: { } proxy } policy)
        {
            if (policy.Mode != "ALLOW_ANY")
            {
                context.Error("spec.outboundTrafficPolicy.egressProxy", "sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode");
            }
            else if (proxy.Port is null)
            {
                context.Error("spec.outboundTrafficPolicy.egressProxy.port", "sidecar: egress_proxy port must be non-nil");
            }
            else
            {
                VirtualServiceValidator.Destination(proxy, "spec.outboundTrafficPolicy.egressProxy", context);
            }
        }


        for (var i = 0; i < (spec.Egress?.Count ?? 0); i++)
        {
            var hosts = spec.Egress![i].Hosts;
            if (hosts is not { Count: > 0 })
            {
                context.Error($"spec.egress[{i}].hosts", "at least one host is required");
            }

            for (var h = 0; h < (hosts?.Count ?? 0); h++)
            {
                if (hosts![h].Split('/') is not { Length: 2 } parts || parts[0].Length == 0 || parts[1].Length == 0)
                {
                    context.Error($"spec.egress[{i}].hosts[{h}]", $"\"{hosts[h]}\" must be namespace/host (namespace may be * or .)");
                }
            }
        }
    }

    private static void SidecarPort(GatewayPort port, string path, ValidationContext context)
    {
        if (port.Name is { Length: > 0 } name && !Dns1123.IsLabel(name))
        {
            context.Error($"{path}.name", $"invalid port name: {name}");
        }

        Protocol($"{path}.protocol", port.Protocol, context);
        context.Port($"{path}.number", port.Number ?? 0);
    }

    private static void Bind(string? bind, string path, ValidationContext context)
    {
        if (bind is { Length: > 0 } && !IPAddress.TryParse(bind, out _))
        {
            context.Error(path, $"\"{bind}\" is not a valid IP address");
        }
    }
}
