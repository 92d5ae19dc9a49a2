using Mesh.Contracts.Federation;

namespace Mesh.Istio.Validation;

/// <summary>
/// Rules of <c>ExportedServices</c>: each service a DNS-1123 label listed once, each with at least one consumer that
/// is a peering name (a DNS-1123 label) or <c>*</c>. Whether the services exist is checked by the silo at write.
/// </summary>
internal static class FederationValidator
{
    public static void ExportedServices(ExportedServicesSpec spec, ValidationContext context)
    {
        if (spec.Services is not { Count: > 0 } services)
        {
            context.Error("spec.services", "must list at least one service");
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < services.Count; i++)
        {
            var path = $"spec.services[{i}]";
            var service = services[i];
            if (service is null)
            {
                context.Error(path, "must be an object");
                continue;
            }

            if (!Dns1123.IsLabel(service.Name))
            {
                context.Error($"{path}.name", $"\"{service.Name}\" must be a service name (a DNS-1123 label)");
            }
            else if (!seen.Add(service.Name))
            {
                context.Error($"{path}.name", $"service \"{service.Name}\" is listed twice");
            }

            if (service.Consumers is not { Count: > 0 } consumers)
            {
                context.Error($"{path}.consumers", "must name at least one peer (or \"*\" for every peer)");
                continue;
            }

            for (var j = 0; j < consumers.Count; j++)
            {
                var peer = consumers[j]?.Peer;
                if (peer != "*" && !Dns1123.IsLabel(peer))
                {
                    context.Error($"{path}.consumers[{j}].peer", $"\"{peer}\" must be a peering name (a DNS-1123 label) or \"*\"");
                }
            }
        }
    }
}
