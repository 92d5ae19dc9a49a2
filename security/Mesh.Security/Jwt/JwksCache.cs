using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Security.Jwt;

/// <summary>Supplies the keys behind a <c>jwksUri</c>.</summary>
public interface IJwksSource
{
    /// <summary>
    /// Returns the cached key set (only the usable public RSA and EC signing keys, see <c>SigningKeys</c>),
    /// fetching it when missing or older than the refresh interval. With
    /// <paramref name="unknownKeyId"/> the caller saw a kid that is not in the set, so a refetch is attempted if the
    /// rate limit allows. Never throws for network or format errors: it returns the last good set, or an empty one.
    /// </summary>
    ValueTask<JsonWebKeySet> GetAsync(string jwksUri, bool unknownKeyId, CancellationToken cancellationToken);
}

/// <summary>HTTP-backed <see cref="IJwksSource"/> with TTL refresh and a per-URI fetch rate limit.</summary>
public sealed class JwksCache : IJwksSource
{
    private readonly HttpClient _http;
    private readonly TimeProvider _timeProvider;
    private readonly JwksCacheOptions _options;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    public JwksCache(HttpClient http, TimeProvider timeProvider, JwksCacheOptions options, ILogger<JwksCache> logger)
    {
        _http = http;
        _timeProvider = timeProvider;
        _options = options;
        _logger = logger;
    }

    /// <summary>Number of HTTP fetches attempted so far (for metrics and tests).</summary>
    public int FetchCount => _fetchCount;

    private int _fetchCount;

    public async ValueTask<JsonWebKeySet> GetAsync(string jwksUri, bool unknownKeyId, CancellationToken cancellationToken)
    {
        var entry = _entries.GetOrAdd(jwksUri, static _ => new Entry());
        if (!NeedsFetch(entry, unknownKeyId))
        {
            return entry.Keys;
        }

        await entry.Gate.WaitAsync(cancellationToken);
        try
        {
            // Another caller may have fetched while we waited.
            if (!NeedsFetch(entry, unknownKeyId))
            {
                return entry.Keys;
            }

            var attempt = _timeProvider.GetUtcNow().UtcTicks;
            Volatile.Write(ref entry.LastAttemptTicks, attempt);
            Interlocked.Increment(ref _fetchCount);
            try
            {
                var keys = await FetchAsync(jwksUri, cancellationToken);
                entry.Keys = keys;
                Volatile.Write(ref entry.FetchedAtTicks, attempt);
                SecurityLog.JwksFetched(_logger, jwksUri, keys.Keys.Count);
            }
            catch (Exception ex) when (ex is HttpRequestException or FormatException or TaskCanceledException or IOException
                && !cancellationToken.IsCancellationRequested)
            {
                SecurityLog.JwksFetchFailed(_logger, jwksUri, ex.Message, Volatile.Read(ref entry.FetchedAtTicks) == 0 ? "no keys" : "the previous key set");
            }

            return entry.Keys;
        }
        finally
        {
            entry.Gate.Release();
        }
    }

    private bool NeedsFetch(Entry entry, bool unknownKeyId)
    {
        // Ticks, read atomically: requests check freshness without taking the fetch gate.
        var now = _timeProvider.GetUtcNow().UtcTicks;
        var last = Volatile.Read(ref entry.LastAttemptTicks);
        if (last != 0 && now - last < _options.MinimumRefetchInterval.Ticks)
        {
            return false;
        }

        var fetched = Volatile.Read(ref entry.FetchedAtTicks);
        return fetched == 0 || unknownKeyId || now - fetched >= _options.RefreshInterval.Ticks;
    }

    private async Task<JsonWebKeySet> FetchAsync(string jwksUri, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.FetchTimeout);
        using var response = await _http.GetAsync(jwksUri, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"HTTP {(int)response.StatusCode}");
        }

        if (response.Content.Headers.ContentLength > _options.MaxDocumentBytes)
        {
            throw new FormatException($"JWKS is larger than {_options.MaxDocumentBytes} bytes");
        }

        await using var stream = await response.Content.ReadAsStreamAsync(timeout.Token);
        var buffer = new byte[_options.MaxDocumentBytes + 1];
        var total = 0;
        int read;
        while ((read = await stream.ReadAsync(buffer.AsMemory(total), timeout.Token)) > 0)
        {
            total += read;
            if (total > _options.MaxDocumentBytes)
            {
                throw new FormatException($"JWKS is larger than {_options.MaxDocumentBytes} bytes");
            }
        }

        return SigningKeys.Parse(System.Text.Encoding.UTF8.GetString(buffer, 0, total));
    }

    private sealed class Entry
    {
        public SemaphoreSlim Gate { get; } = new(1, 1);

        public volatile JsonWebKeySet Keys = new();

        /// <summary>UTC ticks of the last successful fetch; 0 = never.</summary>
        public long FetchedAtTicks;

        /// <summary>UTC ticks of the last fetch attempt; 0 = never.</summary>
        public long LastAttemptTicks;
    }
}
