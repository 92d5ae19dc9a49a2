using Mesh.Contracts.Registry;

namespace Mesh.Istio.Validation;

/// <summary>The mesh's own Service and Endpoint kinds.</summary>
internal static class RegistryValidator
{
    private static readonly string[] Protocols = ["HTTP", "HTTP2", "GRPC", "TCP", "TLS", "HTTPS"];

    public static void Service(ServiceSpec spec, ValidationContext context)
    {
        if (spec.Ports.Count == 0)
        {
            context.Error("spec.ports", "at least one port is required");
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<int>();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            var path = $"spec.ports[{i}]";
            context.Port($"{path}.port", port.Port);
            context.Port($"{path}.targetPort", port.TargetPort);
            context.OneOf($"{path}.protocol", port.Protocol.ToUpperInvariant(), Protocols);
            if (!numbers.Add(port.Port))
            {
                context.Error($"{path}.port", $"duplicate port {port.Port}");
            }

            if (port.Name.Length > 0 && !names.Add(port.Name))
            {
                context.Error($"{path}.name", $"duplicate port name \"{port.Name}\"");
            }
        }

        if (spec.ServiceAccount is { } account && !Dns1123.IsSubdomain(account))
        {
            context.Error("spec.serviceAccount", $"\"{account}\" must be a DNS-1123 subdomain");
        }

        if (spec.HealthCheck is { } healthCheck)
        {
            HealthCheckValidator.Check(healthCheck, "spec.healthCheck", context);
        }
    }

    public static void Endpoint(EndpointSpec spec, ValidationContext context)
    {
        context.Required("spec.service", spec.Service);
        if (!Dns1123.IsAddress(spec.Address))
        {
            context.Error("spec.address", $"\"{spec.Address}\" is not an IP address or DNS name");
        }

        context.Range("spec.port", spec.Port, 1, 65535);
        context.NonNegative("spec.weight", spec.Weight);
        context.Port("spec.sidecarPort", spec.SidecarPort);
    }
}
