using Mesh.Routing.Model;

namespace Mesh.Sidecar.Resilience;

/// <summary>
/// Local rate limit (Envoy's local_ratelimit token bucket): starts full, gains tokensPerFill every fillInterval up to
/// maxTokens; each request takes one token or is rejected with 429. Refills are computed from elapsed time on
/// demand, so there is no timer.
/// </summary>
internal sealed class TokenBucket
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private long _tokens;
    private long _lastFill;

    public TokenBucket(RateLimitConfig config, TimeProvider time)
    {
        Config = config;
        _time = time;
        _tokens = config.MaxTokens;
        _lastFill = time.GetTimestamp();
    }

    public RateLimitConfig Config { get; }

    public bool TryAcquire()
    {
        lock (_lock)
        {
            var now = _time.GetTimestamp();
            var intervalTicks = (long)(Config.FillInterval.TotalSeconds * _time.TimestampFrequency);
            if (intervalTicks > 0)
            {
                var fills = (now - _lastFill) / intervalTicks;
                if (fills > 0)
                {
                    _tokens = Math.Min(Config.MaxTokens, _tokens + (fills * Config.TokensPerFill));
                    _lastFill += fills * intervalTicks;
                }
            }

            if (_tokens <= 0)
            {
                return false;
            }

            _tokens--;
            return true;
        }
    }
}
