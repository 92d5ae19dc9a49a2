using System.Security.Cryptography.X509Certificates;
using Mesh.Silo.Api;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>
/// Holds the silo's self-issued TLS certificate for Kestrel's certificate selector and renews it at half its
/// lifetime or as soon as another root becomes the signer. Until the CA is up there is none, and TLS handshakes
/// fail rather than present something sidecars could not verify.
/// </summary>
internal sealed partial class ServingCertificateProvider(
    CertificateAuthorityService ca, SiloOptions options, TimeProvider timeProvider, ILogger<ServingCertificateProvider> logger) : BackgroundService
{
    private volatile X509Certificate2? _current;
    private string? _issuer;

    public X509Certificate2? Current => _current;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RefreshAsync(stoppingToken);
            }
            catch (Exception ex) when (ex is ApiStatusException or StoreUnavailableException)
            {
                LogNotYet(logger, ex.Message);
            }

            await Task.Delay(_current is null ? TimeSpan.FromMilliseconds(200) : options.Tls.RefreshInterval, timeProvider, stoppingToken);
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var (signer, _) = await ca.RequireSignerAsync(cancellationToken);
        var issuer = signer.Active.Certificate.Thumbprint;
        var now = timeProvider.GetUtcNow();
        if (_current is { } current && _issuer == issuer && now < HalfLife(current))
        {
            return;
        }

        _current = ServingCertificateIssuer.Issue(signer.Active, options.Ca.TrustDomain, options.Tls.Hosts, options.Ca.DefaultWorkloadCertTtl, now);
        _issuer = issuer;
        LogIssued(logger, _current.Thumbprint, issuer, _current.NotAfter.ToUniversalTime());
    }

    private static DateTimeOffset HalfLife(X509Certificate2 certificate)
    {
        var notBefore = new DateTimeOffset(certificate.NotBefore.ToUniversalTime());
        return notBefore + ((new DateTimeOffset(certificate.NotAfter.ToUniversalTime()) - notBefore) / 2);
    }

    [LoggerMessage(EventId = 615, Level = LogLevel.Information, Message = "Silo TLS certificate {Thumbprint} issued by {Issuer}, expires {NotAfter:u}")]
    private static partial void LogIssued(ILogger logger, string thumbprint, string issuer, DateTime notAfter);

    [LoggerMessage(EventId = 616, Level = LogLevel.Debug, Message = "Silo TLS certificate not issued yet: {Reason}")]
    private static partial void LogNotYet(ILogger logger, string reason);
}
