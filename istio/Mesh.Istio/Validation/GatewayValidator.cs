using System.Text.Json;
using Mesh.Contracts.Istio.Networking;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Validation;

internal static class GatewayValidator
{
    public static readonly string[] Protocols = ["HTTP", "HTTPS", "GRPC", "GRPC-WEB", "HTTP2", "MONGO", "TCP", "TLS", "UDP"];

    /// <summary>The TLS version fields the contracts model lacks, read from the raw spec (their shape is already checked).</summary>
    public static void Versions(JsonElement spec, ValidationContext context)
    {
        if (!spec.TryGetProperty("servers", out var servers) || servers.ValueKind != JsonValueKind.Array)
        {
            return;
        }

        var i = 0;
        foreach (var server in servers.EnumerateArray())
        {
            if (server.ValueKind == JsonValueKind.Object && server.TryGetProperty("tls", out var tls) && tls.ValueKind == JsonValueKind.Object)
            {
                foreach (var field in (string[])["minProtocolVersion", "maxProtocolVersion"])
                {
                    if (tls.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String)
                    {
                        context.OneOf($"spec.servers[{i}].tls.{field}", value.GetString(), TlsVersions.All);
                    }
                }
            }

            i++;
        }
    }

    public static void Validate(GatewaySpec spec, ValidationContext context)
    {
        if (spec.Servers is not { Count: > 0 })
        {
            context.Error("spec.servers", "at least one server is required");
            return;
        }

        for (var i = 0; i < spec.Servers.Count; i++)
        {
            Server(spec.Servers[i], $"spec.servers[{i}]", context);
        }
    }

    private static void Server(GatewayServer server, string path, ValidationContext context)
    {
        if (server.Port is not { } port)
        {
            context.Error($"{path}.port", "is required");
        }
        else
        {
            if (port.Number is null)
            {
                context.Error($"{path}.port.number", "is required");
            }

            context.Port($"{path}.port.number", port.Number);
            context.Required($"{path}.port.protocol", port.Protocol);
            context.OneOf($"{path}.port.protocol", port.Protocol?.ToUpperInvariant(), Protocols);
        }

        if (server.Hosts is not { Count: > 0 })
        {
            context.Error($"{path}.hosts", "at least one host is required");
        }

        for (var h = 0; h < (server.Hosts?.Count ?? 0); h++)
        {
            var host = server.Hosts![h];
            if (!Dns1123.IsOptionallyNamespaced(host))
            {
                context.Error($"{path}.hosts[{h}]", $"\"{host}\" must be a host or namespace/host");
            }
        }

        var protocol = server.Port?.Protocol?.ToUpperInvariant();
        if (protocol is "HTTPS" or "TLS" && server.Tls is null)
        {
            context.Error($"{path}.tls", $"is required for protocol {protocol}");
        }

        if (server.Tls is { } tls)
        {
            context.OneOf($"{path}.tls.mode", tls.Mode, "PASSTHROUGH", "SIMPLE", "MUTUAL", "AUTO_PASSTHROUGH", "ISTIO_MUTUAL", "OPTIONAL_MUTUAL");
            if (tls.Mode is "SIMPLE" or "MUTUAL" or "OPTIONAL_MUTUAL" && tls.CredentialName is null)
            {
                if (string.IsNullOrWhiteSpace(tls.ServerCertificate))
                {
                    context.Error($"{path}.tls.serverCertificate", $"is required for mode {tls.Mode} (or set credentialName)");
                }

                if (string.IsNullOrWhiteSpace(tls.PrivateKey))
                {
                    context.Error($"{path}.tls.privateKey", $"is required for mode {tls.Mode} (or set credentialName)");
                }

                if (tls.Mode != "SIMPLE" && string.IsNullOrWhiteSpace(tls.CaCertificates))
                {
                    context.Error($"{path}.tls.caCertificates", $"is required for mode {tls.Mode} (or set credentialName)");
                }
            }
        }
    }
}
