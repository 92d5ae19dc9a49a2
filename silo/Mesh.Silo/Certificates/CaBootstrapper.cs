using Mesh.Grains.Certificates;
using Mesh.Security.Ca;
using Mesh.Silo.Cache;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Certificates;

/// <summary>
/// Brings the CA up once the store is migrated: resolves the key-encryption key, makes sure exactly one active
/// root exists (generating or importing one; when silos start together the store lets one win and the rest adopt
/// it), then publishes the trust bundle. Store outages are retried; a bad configuration leaves the silo running
/// with CA endpoints answering 503 and the reason.
/// </summary>
internal sealed class CaBootstrapper(
    CertificateAuthorityService ca, ICaStore store, IGrainFactory grains, ResourceCache cache, SiloOptions options, TimeProvider timeProvider, ILogger<CaBootstrapper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await cache.Loaded.WaitAsync(stoppingToken);
        var settings = options.Ca;
        if (!TrustDomains.IsValid(settings.TrustDomain, out var domainProblem))
        {
            Fail($"CA not configured: Mesh:Ca:TrustDomain {domainProblem}");
            return;
        }

        var (kek, kekProblem) = await CaCredentials.ResolveKekAsync(settings, string.IsNullOrWhiteSpace(options.Postgres), logger, stoppingToken);
        var delay = TimeSpan.FromMilliseconds(200);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (kek is not null)
                {
                    await EnsureActiveRootAsync(kek, settings, stoppingToken);
                }
                else
                {
                    CaLog.Unavailable(logger, kekProblem!);
                }

                ca.Start(kek, kekProblem, null);
                await ca.CurrentAsync(stoppingToken);
                return;
            }
            catch (Exception ex) when (ex is StoreUnavailableException or TimeoutException or Orleans.Runtime.OrleansException)
            {
                CaLog.StoreUnavailable(logger, ex.Message);
                await Task.Delay(delay, timeProvider, stoppingToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
            catch (CaException ex)
            {
                Fail($"CA not available: {ex.Message}");
                return;
            }
        }
    }

    private async Task EnsureActiveRootAsync(KeyEncryptionKey kek, CaSettings settings, CancellationToken cancellationToken)
    {
        if ((await store.ListRootsAsync(cancellationToken)).Any(r => r.State == CaRootState.Active))
        {
            return;
        }

        string? certificatePem = null, keyPem = null;
        if (!string.IsNullOrWhiteSpace(settings.RootCertFile))
        {
            certificatePem = await ReadAsync(settings.RootCertFile, "Mesh:Ca:RootCertFile", cancellationToken);
            keyPem = string.IsNullOrWhiteSpace(settings.RootKeyFile)
                ? throw new CaException("Mesh:Ca:RootKeyFile is required with Mesh:Ca:RootCertFile")
                : await ReadAsync(settings.RootKeyFile, "Mesh:Ca:RootKeyFile", cancellationToken);
        }

        using var credential = CaCredentials.CreateOrImport(settings, certificatePem, keyPem, timeProvider);
        var candidate = CaCredentials.Seal(credential, kek, timeProvider.GetUtcNow());
        // Every silo that finds no root offers one; the CA grain's single activation keeps the first and refuses the rest.
        var result = await grains.GetGrain<ICertificateAuthorityGrain>(0).EnsureActiveRootAsync(candidate, cancellationToken);
        switch (result.Outcome)
        {
            case CaRootOutcome.StoreUnavailable:
                throw new StoreUnavailableException(result.Problem ?? "the store is unavailable");
            case CaRootOutcome.Exists:
                CaLog.RootRaceLost(logger);
                break;
            default:
                if (certificatePem is null)
                {
                    CaLog.RootGenerated(logger, candidate.Thumbprint);
                }
                else
                {
                    CaLog.RootImported(logger, candidate.Thumbprint, settings.RootCertFile!);
                }

                break;
        }
    }

    private static async Task<string> ReadAsync(string path, string setting, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllTextAsync(path, cancellationToken);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CaException($"{setting} '{path}' cannot be read: {ex.GetType().Name}");
        }
    }

    private void Fail(string problem)
    {
        CaLog.Unavailable(logger, problem);
        ca.Start(null, problem, problem);
    }
}

/// <summary>Validation of settings that become part of SPIFFE IDs.</summary>
internal static class TrustDomains
{
    public static bool IsValid(string trustDomain, out string problem)
    {
        if (string.IsNullOrEmpty(trustDomain) || trustDomain.Contains('/', StringComparison.Ordinal) || trustDomain.Contains(':', StringComparison.Ordinal))
        {
            problem = $"'{trustDomain}' is not a valid trust domain";
            return false;
        }

        var ok = Mesh.Security.Identity.SpiffeId.TryParse("spiffe://" + trustDomain, out _, out var error);
        problem = ok ? "" : $"'{trustDomain}' is not a valid trust domain: {error}";
        return ok;
    }
}
