using System.Collections.Concurrent;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Routing.Model;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Originates TLS to upstreams a DestinationRule sets to SIMPLE or MUTUAL (Istio's "TLS origination"): the app speaks
/// plain HTTP to its sidecar, and the sidecar opens TLS to the server. Like <see cref="MeshTlsConnector"/> it is a
/// connection pool doing the handshake in its connect callback: one pool per distinct set of TLS settings, so a changed
/// DestinationRule never reuses a connection opened under the old settings (Envoy drains a changed cluster likewise).
/// </summary>
/// <remarks>
/// The SNI is <c>tls.sni</c>, else the request's host (Istio's auto SNI). The server certificate must chain to
/// <c>caCertificates</c> (or the system store without it) and name the SNI or one of <c>subjectAltNames</c>, unless
/// <c>insecureSkipVerify</c>. MUTUAL presents <c>clientCertificate</c>/<c>privateKey</c>. PEM files are re-read when
/// they change, so rotating them needs no restart. A refused handshake is a connect failure: 503 with flag UF.
/// </remarks>
internal sealed partial class TlsOriginator(CredentialCache credentials, ILogger<TlsOriginator> logger) : IDisposable
{
    public static readonly HttpRequestOptionsKey<string> ServerName = new("mesh.origination.server-name");

    private readonly ConcurrentDictionary<string, (DateTime Written, X509Certificate2Collection Certificates)> _authorities = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string Cert, string Key), (DateTime CertWritten, DateTime KeyWritten, X509Certificate2 Certificate)> _clients = new();

    // Pools for settings no longer in use linger with no connections once their idle timeout has closed them; they
    // are a few objects each, and settings change only when an operator edits a DestinationRule.
    private readonly ConcurrentDictionary<string, HttpMessageInvoker> _pools = new(StringComparer.Ordinal);

    public static bool Applies(ClusterTlsConfig tls) => tls.Mode is ClusterTlsMode.Simple or ClusterTlsMode.Mutual;

    public HttpMessageInvoker InvokerFor(ClusterTlsConfig tls)
    {
        var key = string.Join('\n', tls.Mode, tls.Sni, tls.CaCertificates, tls.ClientCertificate, tls.PrivateKey, tls.CredentialName, tls.InsecureSkipVerify, string.Join(',', tls.SubjectAltNames));
        return _pools.TryGetValue(key, out var invoker) ? invoker : _pools.GetOrAdd(key, _ =>
        {
            var handler = Proxy.UpstreamClient.CreateHandler();
            handler.ConnectCallback = (context, cancellationToken) => ConnectAsync(tls, context, cancellationToken);
            return new HttpMessageInvoker(handler, disposeHandler: true);
        });
    }

    private async ValueTask<Stream> ConnectAsync(ClusterTlsConfig tls, SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var options = context.InitialRequestMessage.Options;
        var serverName = tls.Sni is { Length: > 0 } sni ? sni : options.TryGetValue(ServerName, out var host) ? host : context.DnsEndPoint.Host;
        var credential = tls.CredentialName is { } name ? await credentials.GetAsync(name, cancellationToken) : null;
        var (authorities, authoritySource) = credential is { Authorities.Count: > 0 } ? (credential.Authorities, $"credential {tls.CredentialName}")
            : tls.CaCertificates is { } caFile ? (Authorities(caFile), caFile)
            : (null, "the system store");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        SslStream? ssl = null;
        string? refusal = null;
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
            ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName,
                ClientCertificates = tls.Mode == ClusterTlsMode.Mutual ? [ClientCertificate(tls, credential)] : null,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ApplicationProtocols = [context.InitialRequestMessage.Version.Major == 2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11],
                RemoteCertificateValidationCallback = (_, certificate, chain, errors) => (refusal = Verify(tls, serverName, certificate, errors, authorities, authoritySource)) is null,
            }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (ssl is not null)
            {
                await ssl.DisposeAsync();
            }

            if (ex is AuthenticationException && refusal is not null)
            {
                Log.Refused(logger, serverName, context.DnsEndPoint.Host, context.DnsEndPoint.Port, refusal);
                throw new AuthenticationException($"TLS origination to {serverName} ({context.DnsEndPoint.Host}:{context.DnsEndPoint.Port}) refused: {refusal}", ex);
            }

            throw;
        }
    }

    /// <summary>Null when the server certificate is acceptable, else why not.</summary>
    private static string? Verify(ClusterTlsConfig tls, string serverName, X509Certificate? presented, SslPolicyErrors errors, X509Certificate2Collection? authorities, string authoritySource)
    {
        if (tls.InsecureSkipVerify)
        {
            return null;
        }

        if (presented is null)
        {
            return "the server sent no certificate";
        }

        using var certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        if (authorities is not null)
        {
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (!chain.Build(certificate))
            {
                return $"certificate {certificate.Subject} does not chain to {authoritySource}: {string.Join(", ", chain.ChainStatus.Select(s => s.StatusInformation.Trim()))}";
            }
        }
        else if ((errors & ~SslPolicyErrors.RemoteCertificateNameMismatch) != SslPolicyErrors.None)
        {
            return $"certificate {certificate.Subject} is not trusted by the system store ({errors})";
        }

        var names = tls.SubjectAltNames.Count > 0 ? tls.SubjectAltNames : [serverName];
        return names.Any(name => certificate.MatchesHostname(name, allowWildcards: true, allowCommonName: false))
            ? null
            : $"certificate {certificate.Subject} does not name {string.Join(" or ", names)}";
    }

    private X509Certificate2Collection Authorities(string path)
    {
        var written = File.GetLastWriteTimeUtc(path);
        if (_authorities.TryGetValue(path, out var cached) && cached.Written == written)
        {
            return cached.Certificates;
        }

        var certificates = new X509Certificate2Collection();
        certificates.ImportFromPemFile(path);
        _authorities[path] = (written, certificates);
        return certificates;
    }

    private X509Certificate2 ClientCertificate(ClusterTlsConfig tls, Credential? credential)
    {
        if (credential is not null)
        {
            return credential.Certificate ?? throw new AuthenticationException($"MUTUAL TLS origination needs a certificate and key in credential {tls.CredentialName}");
        }

        if (tls.ClientCertificate is not { } certPath || tls.PrivateKey is not { } keyPath)
        {
            throw new AuthenticationException("MUTUAL TLS origination needs clientCertificate and privateKey");
        }

        var certWritten = File.GetLastWriteTimeUtc(certPath);
        var keyWritten = File.GetLastWriteTimeUtc(keyPath);
        if (_clients.TryGetValue((certPath, keyPath), out var cached) && cached.CertWritten == certWritten && cached.KeyWritten == keyWritten)
        {
            return cached.Certificate;
        }

        using var pem = X509Certificate2.CreateFromPemFile(certPath, keyPath);
        var certificate = TlsKeyMaterial.UsableForTls(pem);
        _clients[(certPath, keyPath)] = (certWritten, keyWritten, certificate);
        return certificate;
    }

    public void Dispose()
    {
        foreach (var invoker in _pools.Values)
        {
            invoker.Dispose();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(62, LogLevel.Warning, "TLS origination to {ServerName} ({Host}:{Port}) refused: {Reason}")]
        public static partial void Refused(ILogger logger, string serverName, string host, int port, string reason);
    }
}
