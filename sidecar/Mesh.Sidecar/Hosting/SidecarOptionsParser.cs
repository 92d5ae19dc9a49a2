using System.Collections;
using System.Globalization;
using System.Net;

namespace Mesh.Sidecar.Hosting;

internal sealed class SidecarOptionsException(string message) : Exception(message);

/// <summary>
/// Reads <c>--flag value</c> (or <c>--flag=value</c>) arguments over MESH_* environment variables (flag upper-cased,
/// dashes as underscores: <c>--app-port</c> is <c>MESH_APP_PORT</c>). Errors name the flag and the bad value.
/// </summary>
internal static class SidecarOptionsParser
{
    private static readonly string[] Flags =
    [
        "silo", "token", "namespace", "service", "labels", "app-port", "outbound-port", "inbound-port", "admin-port",
        "state-file", "zone", "locality", "id", "address", "mode", "upstream-http", "lease-ttl", "access-log", "drain-timeout",
        "dependencies", "gateway-https-port", "silo-ca", "silo-identity",
        "join-token", "cert-ttl", "credential-refresh-seconds", "inference-body-limit", "traffic-report-interval", "otlp-endpoint",
    ];

    public static SidecarOptions Parse(IReadOnlyList<string> args, IDictionary environment)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var flag in Flags)
        {
            if (environment["MESH_" + flag.ToUpperInvariant().Replace('-', '_')] is string env && env.Length > 0)
            {
                values[flag] = env;
            }
        }

        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                throw new SidecarOptionsException($"unexpected argument '{arg}'; flags look like --name value");
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            if (Array.IndexOf(Flags, name) < 0)
            {
                throw new SidecarOptionsException($"unknown flag '--{name}'; known: --{string.Join(", --", Flags)}");
            }

            if (eq > 0)
            {
                values[name] = arg[(eq + 1)..];
            }
            else if (i + 1 < args.Count)
            {
                values[name] = args[++i];
            }
            else
            {
                throw new SidecarOptionsException($"flag '--{name}' needs a value");
            }
        }

        var service = Get(values, "service");
        var labels = ParseLabels(Get(values, "labels"));
        var (region, zone, subzone) = SidecarLocalityParser.Parse(Get(values, "locality"), Get(values, "zone"), labels);

        var joinToken = Get(values, "join-token");
        if (joinToken is not null)
        {
            // Istio's auto-mTLS marker: peers originate mTLS only to endpoints whose sidecar holds a certificate.
            labels.TryAdd(Security.MeshTlsConnector.TlsModeLabel, "istio");
        }

        var mode = Get(values, "mode") ?? "sidecar";
        return new SidecarOptions
        {
            Silos = ParseSilos(Get(values, "silo")),
            Token = Get(values, "token"),
            Namespace = Get(values, "namespace") ?? "default",
            Service = service,
            Labels = labels,
            AppPort = Get(values, "app-port") is { } app ? Port("app-port", app, allowZero: false) : null,
            OutboundPort = Port("outbound-port", Get(values, "outbound-port") ?? "15001", allowZero: true),
            InboundPort = Port("inbound-port", Get(values, "inbound-port") ?? "15006", allowZero: true),
            AdminPort = Port("admin-port", Get(values, "admin-port") ?? "15000", allowZero: true),
            StateFile = Get(values, "state-file") ?? "mesh-sidecar-state.json",
            Region = region,
            Zone = zone,
            Subzone = subzone,
            Id = Get(values, "id") ?? $"{service ?? "sidecar"}-{Environment.ProcessId}",
            Address = Get(values, "address") is { } address
                ? IPAddress.TryParse(address, out _) || Uri.CheckHostName(address) != UriHostNameType.Unknown
                    ? address : throw new SidecarOptionsException($"--address '{address}' is not an IP address or host name")
                : "127.0.0.1",
            Mode = mode switch
            {
                "sidecar" => SidecarMode.Sidecar,
                "gateway" => SidecarMode.Gateway,
                _ => throw new SidecarOptionsException($"--mode '{mode}' must be sidecar or gateway"),
            },
            UpstreamHttpVersion = (Get(values, "upstream-http") ?? "1.1") switch
            {
                "1.1" => HttpVersion.Version11,
                "2" or "2.0" or "h2c" => HttpVersion.Version20,
                var v => throw new SidecarOptionsException($"--upstream-http '{v}' must be 1.1 or 2"),
            },
            LeaseTtlSeconds = PositiveInt("lease-ttl", Get(values, "lease-ttl") ?? "30"),
            AccessLog = (Get(values, "access-log") ?? "stdout") switch
            {
                "stdout" => AccessLogMode.Stdout,
                "off" => AccessLogMode.Off,
                var v => throw new SidecarOptionsException($"--access-log '{v}' must be stdout or off"),
            },
            DrainTimeout = TimeSpan.FromSeconds(PositiveInt("drain-timeout", Get(values, "drain-timeout") ?? "10")),
            SiloCaFile = Get(values, "silo-ca") is { } siloCa ? (File.Exists(siloCa) ? siloCa : throw new SidecarOptionsException($"--silo-ca '{siloCa}' does not exist")) : null,
            SiloIdentity = Get(values, "silo-identity"),
            GatewayHttpsPort = Get(values, "gateway-https-port") is { } httpsPort ? Port("gateway-https-port", httpsPort, allowZero: true) : null,
            Dependencies = Get(values, "dependencies") is { } dependencies
                ? dependencies.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                : null,
            JoinToken = joinToken,
            CertificateTtlSeconds = Get(values, "cert-ttl") is { } ttl ? PositiveInt("cert-ttl", ttl) : null,
            CredentialRefreshInterval = Get(values, "credential-refresh-seconds") is { } refresh ? TimeSpan.FromSeconds(PositiveInt("credential-refresh-seconds", refresh)) : TimeSpan.FromSeconds(30),
            InferenceBodyLimit = Get(values, "inference-body-limit") is { } bodyLimit ? NonNegativeInt("inference-body-limit", bodyLimit) : 64 * 1024,
            TrafficReportInterval = Get(values, "traffic-report-interval") is { } interval ? ReportInterval(interval) : TimeSpan.FromSeconds(1),
            OtlpEndpoint = Get(values, "otlp-endpoint") is { } otlp
                ? Uri.TryCreate(otlp, UriKind.Absolute, out var otlpUri) && otlpUri.Scheme is "http" or "https"
                    ? otlpUri
                    : throw new SidecarOptionsException($"--otlp-endpoint '{otlp}' is not an http(s) URL")
                : null,
        };
    }

    private static TimeSpan ReportInterval(string value)
    {
        var milliseconds = NonNegativeInt("traffic-report-interval", value);
        return milliseconds == 0 || milliseconds is >= 100 and <= 60_000
            ? TimeSpan.FromMilliseconds(milliseconds)
            : throw new SidecarOptionsException($"--traffic-report-interval '{value}' must be 0 (off) or 100..60000 milliseconds");
    }

    private static string? Get(Dictionary<string, string> values, string name) =>
        values.TryGetValue(name, out var value) && value.Length > 0 ? value : null;

    private static List<Uri> ParseSilos(string? value)
    {
        var silos = new List<Uri>();
        foreach (var part in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!Uri.TryCreate(part, UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new SidecarOptionsException($"--silo '{part}' is not an http(s) URL");
            }

            silos.Add(uri);
        }

        return silos;
    }

    private static Dictionary<string, string> ParseLabels(string? value)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in (value ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new SidecarOptionsException($"--labels entry '{pair}' must be key=value");
            }

            labels[pair[..eq]] = pair[(eq + 1)..];
        }

        return labels;
    }

    private static int Port(string flag, string value, bool allowZero) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port <= 65535 && (allowZero || port > 0)
            ? port
            : throw new SidecarOptionsException($"--{flag} '{value}' is not a valid port");

    private static int PositiveInt(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0
            ? n
            : throw new SidecarOptionsException($"--{flag} '{value}' must be a positive integer");

    private static int NonNegativeInt(string flag, string value) =>
        int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new SidecarOptionsException($"--{flag} '{value}' must be a whole number of bytes (0 turns it off)");
}
