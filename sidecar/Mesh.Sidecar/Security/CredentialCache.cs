using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Identity;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Registration;

namespace Mesh.Sidecar.Security;

/// <summary>A namespace credential in memory: the certificate with its key (when it has one) and the CA bundle.</summary>
internal sealed record Credential(X509Certificate2? Certificate, X509Certificate2Collection Authorities, string Fingerprint);

/// <summary>
/// The namespace credentials this proxy's configuration names by <c>credentialName</c> (gateway servers and
/// DestinationRule TLS), fetched from the silos with the workload's SVID as proof (Istio's SDS for gateways). A gateway
/// server's credential is fetched when a configuration naming it arrives (a handshake cannot wait); a DestinationRule's
/// on the first connection that needs it, so a proxy that never originates to that host never asks. Both are fetched
/// again every <see cref="SidecarOptions.CredentialRefreshInterval"/>, so a replaced credential is served without a
/// restart. Kept in memory only; never logged.
/// </summary>
internal sealed partial class CredentialCache(
    ProxyConfigHolder holder, SiloApiClient silos, CertificateStore certificates, SidecarOptions options, TimeProvider timeProvider, ILogger<CredentialCache> logger)
    : BackgroundService
{
    private readonly ConcurrentDictionary<string, Credential> _credentials = new(StringComparer.Ordinal);

    /// <summary>The credential if it was fetched already (a TLS handshake cannot wait for the network).</summary>
    public Credential? Find(string name) => _credentials.GetValueOrDefault(name);

    /// <summary>The credential, fetched now if this proxy has not got it yet.</summary>
    public async ValueTask<Credential> GetAsync(string name, CancellationToken cancellationToken) =>
        Find(name) ?? await FetchAsync(name, cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var next = holder.NextSwap;
                foreach (var name in Referenced(holder.Current))
                {
                    try
                    {
                        await FetchAsync(name, stoppingToken);
                    }
                    catch (Exception ex) when (ex is SiloApiException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
                    {
                        Log.FetchFailed(logger, options.Namespace, name, ex.Message);
                    }
                }

                await Task.WhenAny(next, Task.Delay(options.CredentialRefreshInterval, timeProvider, stoppingToken));
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private IEnumerable<string> Referenced(RuntimeConfig config) =>
        config.Source.Gateways.Select(g => g.Tls?.CredentialName)
            .OfType<string>()
            .Concat(_credentials.Keys)
            .Distinct(StringComparer.Ordinal);

    private async Task<Credential> FetchAsync(string name, CancellationToken cancellationToken)
    {
        var identity = certificates.Identity
            ?? throw new InvalidOperationException("no workload certificate yet: credentials are fetched with the SVID (start the sidecar with a join token)");
        var key = identity.Certificate.GetECDsaPrivateKey() ?? throw new InvalidOperationException("the workload certificate's key is not ECDSA");
        var now = timeProvider.GetUtcNow();
        var path = $"api/v1/namespaces/{Uri.EscapeDataString(options.Namespace)}/credentials/{Uri.EscapeDataString(name)}/fetch";
        var body = new FetchRequest(identity.ChainPem, now.ToUnixTimeSeconds(), PossessionProof.Sign(key, PossessionProof.CredentialFetch, $"{options.Namespace}/{name}", now));
        var material = await silos.SendAsync<FetchResponse>(HttpMethod.Post, path, body, null, cancellationToken)
            ?? throw new SiloApiException($"POST {path} returned no body");
        var fingerprint = string.Concat(material.Certificate, "\n", material.CaCertificates, "\n", material.PrivateKey?.GetHashCode(StringComparison.Ordinal));
        if (_credentials.TryGetValue(name, out var known) && known.Fingerprint == fingerprint)
        {
            return known;
        }

        var credential = Parse(material, fingerprint);
        _credentials[name] = credential;
        Log.Fetched(logger, options.Namespace, name, credential.Certificate?.Subject ?? "(CA bundle only)", credential.Authorities.Count);
        return credential;
    }

    private static Credential Parse(FetchResponse material, string fingerprint)
    {
        X509Certificate2? certificate = null;
        if (material.Certificate is { } chain && material.PrivateKey is { } privateKey)
        {
                using var pem = X509Certificate2.CreateFromPem(chain, privateKey);
            certificate = TlsKeyMaterial.UsableForTls(pem);
        }

        var authorities = new X509Certificate2Collection();
        if (material.CaCertificates is { } ca)
        {
            authorities.ImportFromPem(ca);
        }

        return new Credential(certificate, authorities, fingerprint);
    }

    internal sealed record FetchRequest(string Certificate, long Timestamp, string Signature);

    internal sealed record FetchResponse(string? Certificate, string? PrivateKey, string? CaCertificates);

    private static partial class Log
    {
        [LoggerMessage(63, LogLevel.Information, "Credential {Namespace}/{Name} loaded: {Subject}, {Authorities} CA certificate(s)")]
        public static partial void Fetched(ILogger logger, string @namespace, string name, string subject, int authorities);

        [LoggerMessage(64, LogLevel.Warning, "Credential {Namespace}/{Name} could not be fetched: {Reason}")]
        public static partial void FetchFailed(ILogger logger, string @namespace, string name, string reason);
    }
}
