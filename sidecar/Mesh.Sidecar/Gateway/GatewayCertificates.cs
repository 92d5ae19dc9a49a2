using System.Security.Cryptography.X509Certificates;
using Mesh.Routing.Model;
using Mesh.Sidecar.Configuration;

namespace Mesh.Sidecar.Gateway;

/// <summary>
/// Picks the certificate a gateway presents on its HTTPS listener: the Gateway server whose hosts match the SNI
/// name (exact, <c>*.suffix</c> or <c>*</c>), with its <c>tls.credentialName</c> (a namespace credential) or its
/// <c>tls.serverCertificate</c> / <c>tls.privateKey</c> PEM files.
/// Certificates are chosen per handshake from the current configuration and re-read when their files change, so a
/// new Gateway or a renewed certificate needs no restart.
/// </summary>
internal sealed partial class GatewayCertificates(ProxyConfigHolder holder, Security.CredentialCache credentials, ILogger<GatewayCertificates> logger)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<(string Cert, string Key), (DateTime CertWritten, DateTime KeyWritten, X509Certificate2 Certificate)> _loaded = [];

    public X509Certificate2? Select(string? serverName)
    {
        GatewayTlsConfig? fallback = null;
        foreach (var listener in holder.Current.Source.Gateways)
        {
            if (listener.Tls is not { } tls || tls.Mode is not ("SIMPLE" or "MUTUAL") || (tls.CredentialName is null && (tls.ServerCertificate is null || tls.PrivateKey is null)))
            {
                continue;
            }

            fallback ??= tls;
            if (serverName is not null && listener.Hosts.Any(h => HostMatches(h, serverName)))
            {
                return Load(tls);
            }
        }

        return fallback is null ? null : Load(fallback);
    }

    /// <summary>A credentialName wins over file paths, as in Istio; null until the credential has been fetched.</summary>
    private X509Certificate2? Load(GatewayTlsConfig tls) =>
        tls.CredentialName is { } name ? credentials.Find(name)?.Certificate : Load(tls.ServerCertificate!, tls.PrivateKey!);

    /// <summary>Gateway host patterns may carry a namespace prefix (<c>ns/host</c>); only the host part matters here.</summary>
    internal static bool HostMatches(string pattern, string name)
    {
        var host = pattern.Contains('/', StringComparison.Ordinal) ? pattern[(pattern.IndexOf('/', StringComparison.Ordinal) + 1)..] : pattern;
        return host == "*"
            || string.Equals(host, name, StringComparison.OrdinalIgnoreCase)
            || (host.StartsWith("*.", StringComparison.Ordinal) && name.EndsWith(host[1..], StringComparison.OrdinalIgnoreCase));
    }

    private X509Certificate2? Load(string certPath, string keyPath)
    {
        try
        {
            var certWritten = File.GetLastWriteTimeUtc(certPath);
            var keyWritten = File.GetLastWriteTimeUtc(keyPath);
            lock (_gate)
            {
                if (_loaded.TryGetValue((certPath, keyPath), out var cached) && cached.CertWritten == certWritten && cached.KeyWritten == keyWritten)
                {
                    return cached.Certificate;
                }

                var certificate = X509Certificate2.CreateFromPemFile(certPath, keyPath);
                _loaded[(certPath, keyPath)] = (certWritten, keyWritten, certificate);
                return certificate;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException or ArgumentException)
        {
            // The handshake fails for this client; the message names the files, never their content.
            LogLoadFailed(logger, certPath, keyPath, ex.GetType().Name);
            return null;
        }
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Warning, Message = "Gateway certificate {CertificatePath} / key {KeyPath} could not be loaded: {Reason}")]
    private static partial void LogLoadFailed(ILogger logger, string certificatePath, string keyPath, string reason);
}
