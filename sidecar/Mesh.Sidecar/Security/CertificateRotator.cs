using System.Security.Cryptography;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Registration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Obtains the SVID at start and renews it at about half its lifetime (±10% jitter, so a fleet started together
/// does not renew together). A renewal the silo refuses (e.g. the old root was retired first) falls back to the join
/// token with a fresh key; transport failures retry with backoff while the current certificate is still valid.
/// </summary>
internal sealed partial class CertificateRotator(
    SvidClient client,
    CertificateStore store,
    SidecarOptions options,
    TimeProvider time,
    ILogger<CertificateRotator> logger) : BackgroundService
{
    private static readonly TimeSpan BootstrapDeadline = TimeSpan.FromSeconds(30);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ECDsa? _key;

    /// <summary>First issue; throws <see cref="SiloApiException"/> when the silo refuses or none answers in time.</summary>
    public async Task BootstrapAsync(CancellationToken cancellationToken)
    {
        var deadline = time.GetUtcNow() + BootstrapDeadline;
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await RenewAsync(cancellationToken);
                return;
            }
            catch (SiloApiException ex) when (ex.StatusCode is null && time.GetUtcNow() < deadline)
            {
                Log.RenewFailed(logger, ex.Message);
                await Task.Delay(Subscription.Backoff.Delay(attempt, Random.Shared), time, cancellationToken);
            }
        }
    }

    /// <summary>Renews now (also used by the admin endpoint) and returns the new identity.</summary>
    public async Task<WorkloadIdentity> RenewAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            var current = store.Identity;
            WorkloadIdentity identity;
            Mesh.Security.Ca.TrustBundle bundle;
            try
            {
                (identity, bundle) = await client.RequestAsync(_key ??= ECDsa.Create(ECCurve.NamedCurves.nistP256), current, cancellationToken);
            }
            catch (SiloApiException ex) when (current is not null && ex.StatusCode is 401 or 403)
            {
                Log.RenewFailed(logger, ex.Message);
                var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
                (identity, bundle) = await client.RequestAsync(fresh, null, cancellationToken);
                _key = fresh;
            }

            // The subscription stream usually delivers the bundle first; the response's copy covers a sidecar without one.
            if (store.TrustBundle.Roots.Count == 0)
            {
                store.SetBundle(bundle);
            }

            store.SetIdentity(identity);
            Log.Issued(logger, identity.Id.ToString(), identity.SerialNumber, identity.NotAfter);
            return identity;
        }
        finally
        {
            _gate.Release();
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (options.JoinToken is null)
        {
            return;
        }

        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            var identity = store.Identity;
            var changed = store.IdentityChanged;
            var wait = identity is null ? TimeSpan.Zero : RenewalDue(identity, Random.Shared.NextDouble()) - time.GetUtcNow();
            if (failures > 0)
            {
                wait = Subscription.Backoff.Delay(failures, Random.Shared);
            }

            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken))
            {
                var delay = Task.Delay(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, time, cts.Token);
                var first = await Task.WhenAny(delay, changed);
                await cts.CancelAsync();
                if (stoppingToken.IsCancellationRequested)
                {
                    return;
                }

                if (first == changed && store.Identity != identity)
                {
                    continue; // renewed elsewhere (admin endpoint): recompute the due time
                }
            }

            try
            {
                await RenewAsync(stoppingToken);
                failures = 0;
            }
            catch (SiloApiException ex)
            {
                failures++;
                Log.RenewFailed(logger, ex.Message);
            }
        }
    }

    /// <summary>Half the lifetime, scaled by 0.9–1.1 with <paramref name="random"/> in [0,1).</summary>
    internal static DateTimeOffset RenewalDue(WorkloadIdentity identity, double random)
    {
        var lifetime = identity.NotAfter - identity.NotBefore;
        return identity.NotBefore + lifetime * 0.5 * (0.9 + 0.2 * random);
    }

    private static partial class Log
    {
        [LoggerMessage(60, LogLevel.Information, "Workload certificate {SpiffeId} serial {Serial} valid until {NotAfter:u}")]
        public static partial void Issued(ILogger logger, string spiffeId, string serial, DateTimeOffset notAfter);

        [LoggerMessage(61, LogLevel.Warning, "Workload certificate request failed: {Error}")]
        public static partial void RenewFailed(ILogger logger, string error);
    }
}
