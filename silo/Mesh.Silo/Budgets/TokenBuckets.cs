using Mesh.Grains.Budgets;

namespace Mesh.Silo.Budgets;

/// <summary>
/// The two buckets of one token budget. Each holds at most a minute's worth and refills continuously at the limit per
/// minute, so any window of a minute admits at most two minutes' worth and a steady load admits exactly the limit
/// (a minute's burst after a quiet minute, as "tokens per minute" users expect). A slice is granted only when every
/// limited kind can cover what the request at hand needs; a need larger than a whole minute's worth waits for a full bucket.
/// </summary>
internal sealed class TokenBuckets
{
    private Bucket _prompt;
    private Bucket _completion;
    private long _lastTimestamp = -1;

    public TokenGrant Take(TokenTake take, long nowMilliseconds)
    {
        var elapsed = _lastTimestamp < 0 ? 0 : Math.Max(0, nowMilliseconds - _lastTimestamp);
        _lastTimestamp = nowMilliseconds;
        _prompt.Advance(take.PromptPerMinute, elapsed, take.PromptReturned);
        _completion.Advance(take.CompletionPerMinute, elapsed, take.CompletionReturned);

        var promptWait = _prompt.WaitFor(take.PromptNeeded);
        var completionWait = _completion.WaitFor(take.CompletionNeeded);
        var wait = Math.Max(promptWait, completionWait);
        if (wait > 0)
        {
            return new TokenGrant { RetryAfter = TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(wait))) };
        }

        return new TokenGrant
        {
            PromptGranted = _prompt.Grant(take.PromptWanted, take.PromptNeeded),
            CompletionGranted = _completion.Grant(take.CompletionWanted, take.CompletionNeeded),
        };
    }

    /// <summary>One kind's bucket; a limit of 0 means the kind is not limited and grants nothing (nothing is reserved).</summary>
    private struct Bucket
    {
        private long _limit;
        private double _available;

        public void Advance(long perMinute, long elapsedMilliseconds, long returned)
        {
            if (perMinute != _limit)
            {
                // A new bucket starts full; a changed limit keeps what was used of the old one.
                _available = _limit == 0 ? perMinute : Math.Min(_available, perMinute);
                _limit = perMinute;
            }

            if (_limit > 0)
            {
                _available = Math.Min(_limit, _available + (elapsedMilliseconds * (_limit / 60_000.0)) + returned);
            }
        }

        /// <summary>Milliseconds until <paramref name="needed"/> (capped at a minute's worth) is available; 0 when it is now.</summary>
        public readonly double WaitFor(long needed)
        {
            if (_limit == 0)
            {
                return 0;
            }

            var missing = Math.Min(needed, _limit) - _available;
            return missing <= 0 ? 0 : missing / (_limit / 60_000.0);
        }

        public long Grant(long wanted, long needed)
        {
            if (_limit == 0)
            {
                return 0;
            }

            // What was needed is granted in full (WaitFor said it fits, capped at a minute's worth); the rest of the
            // slice only from what is left.
            var granted = Math.Max(Math.Min(needed, _limit), Math.Min(wanted, (long)Math.Floor(_available)));
            _available -= granted;
            return granted;
        }
    }
}
