using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Istio.Validation;

using Mesh.Silo.Api;

namespace Mesh.Silo.Federation;

/// <summary>
/// Checks what a peer sends before anything of it is stored: a peer sending garbage gets its stream refused with a
/// message naming the field, and nothing is imported.
/// </summary>
internal static class PeerMessageValidator
{
    public const int MaxServices = 10_000;
    public const int MaxLocalities = 1_000;
    private const int MaxLabels = 64;
    private const int MaxText = 253;
    private static readonly HashSet<string> Protocols = ["HTTP", "HTTP2", "GRPC", "TCP", "TLS", "HTTPS"];

    /// <summary>Null when the hello fits the peering; otherwise the problem.</summary>
    public static string? Hello(ClusterIdentity hello, string expectedCluster, string expectedTrustDomain)
    {
        if (hello.Name != expectedCluster)
        {
            return $"hello.name: the peer says it is '{InputValidation.Clip(hello.Name)}', but this peering is with '{expectedCluster}'";
        }

        if (hello.TrustDomain != expectedTrustDomain)
        {
            return $"hello.trust_domain: '{InputValidation.Clip(hello.TrustDomain)}' is not the peering's trust domain '{expectedTrustDomain}'";
        }

        return Roots(hello.Roots, "hello.roots");
    }

    public static string? Roots(IReadOnlyList<string> roots, string field)
    {
        if (roots.Count is 0 or > 16)
        {
            return $"{field}: expected 1 to 16 root certificates, got {roots.Count}";
        }

        for (var i = 0; i < roots.Count; i++)
        {
            try
            {
                using var root = X509Certificate2.CreateFromPem(roots[i]);
            }
            catch (CryptographicException)
            {
                return $"{field}[{i}]: not a PEM certificate";
            }
        }

        return null;
    }

    public static string? Exports(ExportSnapshot snapshot)
    {
        if (snapshot.Services.Count > MaxServices)
        {
            return $"exports.services: at most {MaxServices} services, got {snapshot.Services.Count}";
        }

        if (snapshot.Services.Count > 0 && (snapshot.GatewayAddress.Length is 0 or > MaxText || snapshot.GatewayPort is <= 0 or > 65535))
        {
            return $"exports.gateway: '{InputValidation.Clip(snapshot.GatewayAddress)}:{snapshot.GatewayPort}' is not a host and port";
        }

        var seen = new HashSet<(string, string)>();
        for (var i = 0; i < snapshot.Services.Count; i++)
        {
            var service = snapshot.Services[i];
            var path = $"exports.services[{i}]";
            if (!Dns1123.IsLabel(service.Namespace))
            {
                return $"{path}.namespace: '{InputValidation.Clip(service.Namespace)}' is not a DNS-1123 label";
            }

            if (!Dns1123.IsLabel(service.Name))
            {
                return $"{path}.name: '{InputValidation.Clip(service.Name)}' is not a DNS-1123 label";
            }

            if (!seen.Add((service.Namespace, service.Name)))
            {
                return $"{path}: {service.Namespace}/{service.Name} is sent twice";
            }

            if (service.ServiceAccount.Length > 0 && !Dns1123.IsSubdomain(service.ServiceAccount))
            {
                return $"{path}.service_account: '{InputValidation.Clip(service.ServiceAccount)}' is not a DNS-1123 subdomain";
            }

            if ((Ports(service, path) ?? Localities(service, path)) is { } problem)
            {
                return problem;
            }
        }

        return null;
    }

    private static string? Ports(ExportedService service, string path)
    {
        if (service.Ports.Count is 0 or > 64)
        {
            return $"{path}.ports: expected 1 to 64 ports, got {service.Ports.Count}";
        }

        for (var j = 0; j < service.Ports.Count; j++)
        {
            var port = service.Ports[j];
            if (port.Port is <= 0 or > 65535 || port.Name.Length > 63 || !Protocols.Contains(port.Protocol))
            {
                return $"{path}.ports[{j}]: port {port.Port} '{InputValidation.Clip(port.Name)}' {InputValidation.Clip(port.Protocol)} is not a valid service port";
            }
        }

        return null;
    }

    private static string? Localities(ExportedService service, string path)
    {
        if (service.Localities.Count > MaxLocalities)
        {
            return $"{path}.localities: at most {MaxLocalities}, got {service.Localities.Count}";
        }

        for (var j = 0; j < service.Localities.Count; j++)
        {
            var locality = service.Localities[j];
            var where = $"{path}.localities[{j}]";
            if (locality.Total < 0 || locality.Healthy < 0 || locality.Healthy > locality.Total)
            {
                return $"{where}: healthy {locality.Healthy} of {locality.Total} is not a count";
            }

            if (locality.Region.Length > 63 || locality.Zone.Length > 63 || locality.Subzone.Length > 63 || locality.Labels.Count > MaxLabels)
            {
                return $"{where}: region, zone and subzone are at most 63 characters and labels at most {MaxLabels}";
            }

            foreach (var (key, value) in locality.Labels)
            {
                if (key.Length is 0 or > MaxText || value.Length > 63 || key.Contains('\0') || value.Contains('\0'))
                {
                    return $"{where}.labels: '{InputValidation.Clip(key)}' is not a label";
                }
            }
        }

        return null;
    }

}
