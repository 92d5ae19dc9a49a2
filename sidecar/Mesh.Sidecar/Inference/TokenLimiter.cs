using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Mesh.Contracts.Protocol.V1;
using Mesh.Routing.Model;
using Mesh.Sidecar.Subscription;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Token rate limits (docs/ai-traffic.md, "Token limits"). Before forwarding, an inference request reserves its estimate
/// (prompt: body bytes / 4; completion: <c>max_tokens</c>, else <see cref="DefaultCompletionEstimate"/>) from this
/// sidecar's slice of the client's cluster-wide budget, topping the slice up from the silos when it runs short; after the
/// response the reservation is settled against the usage the server reported. When the budget cannot cover the
/// request: 429 with <c>Retry-After</c>. When no silo answers: the request is admitted (fail open).
/// </summary>
internal sealed partial class TokenLimiter(TokenBudgetClient budgets, LocalWorkload local, TimeProvider time, ILogger<TokenLimiter> logger)
{
    internal const long DefaultCompletionEstimate = 256;
    internal const int BytesPerToken = 4;
    internal static readonly TimeSpan IdleReturn = TimeSpan.FromSeconds(2);
    private const int SliceDivisor = 100;

    private readonly ConcurrentDictionary<string, LocalSlice> _slices = new(StringComparer.Ordinal);

    /// <summary>Reserves the request's estimate; null when admitted, else how long the client should wait.</summary>
    public async ValueTask<TimeSpan?> AdmitAsync(HttpContext context, TokenLimitConfig limit, InferenceRequest request, CancellationToken cancellationToken)
    {
        var budget = $"{limit.Rule}/{ClientOf(context, limit)}";
        var prompt = limit.PromptPerMinute > 0 ? PromptEstimate(context, request) : 0;
        var embeddings = InferenceUsage.OperationFor(context.Request.Path.Value ?? "") == InferenceUsage.Embeddings;
        var completion = limit.CompletionPerMinute == 0 || embeddings ? 0 : request.MaxTokens is > 0 and var max ? max : DefaultCompletionEstimate;
        var slice = _slices.GetOrAdd(budget, static _ => new LocalSlice());
        slice.Limit = (limit.PromptPerMinute, limit.CompletionPerMinute);
        if (slice.TryReserve(prompt, completion, time.GetTimestamp()))
        {
            context.Features.Set(new TokenReservation(slice, prompt, completion));
            return null;
        }

        await slice.Refill.WaitAsync(cancellationToken);
        try
        {
            if (slice.TryReserve(prompt, completion, time.GetTimestamp()))
            {
                context.Features.Set(new TokenReservation(slice, prompt, completion));
                return null;
            }

            // A refusal stands until the wait the silos gave has passed: a storm of refused requests costs no silo calls.
            var refusedFor = time.GetElapsedTime(time.GetTimestamp(), slice.RefusedUntil);
            if (refusedFor > TimeSpan.Zero)
            {
                return refusedFor;
            }

            var (heldPrompt, heldCompletion) = slice.Held();
            var promptNeeded = Math.Max(0, prompt - heldPrompt);
            var completionNeeded = Math.Max(0, completion - heldCompletion);
            var response = await budgets.TakeAsync(new TakeTokensRequest
            {
                Budget = budget,
                PromptPerMinute = (ulong)limit.PromptPerMinute,
                CompletionPerMinute = (ulong)limit.CompletionPerMinute,
                PromptNeeded = (ulong)promptNeeded,
                PromptWanted = (ulong)(promptNeeded == 0 ? 0 : promptNeeded + (limit.PromptPerMinute / SliceDivisor)),
                CompletionNeeded = (ulong)completionNeeded,
                CompletionWanted = (ulong)(completionNeeded == 0 ? 0 : completionNeeded + (limit.CompletionPerMinute / SliceDivisor)),
            }, cancellationToken);
            if (response is null)
            {
                Log.FailedOpen(logger, limit.Rule);
                return null;
            }

            if (response.RetryAfterMillis > 0)
            {
                var wait = TimeSpan.FromMilliseconds(response.RetryAfterMillis);
                slice.RefusedUntil = time.GetTimestamp() + (long)(wait.TotalSeconds * time.TimestampFrequency);
                return wait;
            }

            slice.Add((long)response.PromptGranted, (long)response.CompletionGranted);
            // The grant covers what was needed; reserve it even if another request took from the slice meanwhile.
            slice.Reserve(prompt, completion, time.GetTimestamp());
            context.Features.Set(new TokenReservation(slice, prompt, completion));
            return null;
        }
        finally
        {
            slice.Refill.Release();
        }
    }

    /// <summary>
    /// Settles a reservation once the response is over: the reported usage replaces the estimate; a response that
    /// produced nothing (an error status) gives it all back; a success without a usage report keeps the estimate.
    /// </summary>
    public static void Settle(HttpContext context)
    {
        if (context.Features.Get<TokenReservation>() is not { } reservation)
        {
            return;
        }

        context.Features.Set<TokenReservation?>(null);
        var usage = context.Features.Get<InferenceUsage>();
        var status = context.Response.StatusCode;
        long promptUsed = reservation.Prompt, completionUsed = reservation.Completion;
        if (status >= 400)
        {
            promptUsed = 0;
            completionUsed = 0;
        }
        else
        {
            // Kinds that are not limited reserved 0 and are not charged.
            if (usage?.PromptTokens is { } p && reservation.Prompt > 0)
            {
                promptUsed = p;
            }

            if (usage?.CompletionTokens is { } c && reservation.Completion > 0)
            {
                completionUsed = c;
            }
        }

        reservation.Slice.Add(reservation.Prompt - promptUsed, reservation.Completion - completionUsed);
    }

    /// <summary>Gives back what slices idle for <see cref="IdleReturn"/> still hold, so another sidecar can use it.</summary>
    public async Task ReturnIdleAsync(CancellationToken cancellationToken)
    {
        foreach (var (budget, slice) in _slices)
        {
            if (time.GetElapsedTime(slice.LastUsed) < IdleReturn || !slice.Refill.Wait(0, CancellationToken.None))
            {
                continue;
            }

            try
            {
                var (prompt, completion) = slice.TakeAllPositive();
                if (prompt == 0 && completion == 0)
                {
                    continue;
                }

                var limit = slice.Limit;
                var response = await budgets.TakeAsync(new TakeTokensRequest
                {
                    Budget = budget,
                    PromptPerMinute = (ulong)limit.Prompt,
                    CompletionPerMinute = (ulong)limit.Completion,
                    PromptReturned = (ulong)prompt,
                    CompletionReturned = (ulong)completion,
                }, cancellationToken);
                if (response is null)
                {
                    slice.Add(prompt, completion);
                }
            }
            finally
            {
                slice.Refill.Release();
            }
        }
    }

    private string ClientOf(HttpContext context, TokenLimitConfig limit)
    {
        if (limit.KeyHeader is null)
        {
            return local.Principal;
        }

        // Header values are hashed: the key travels to the silos and may name a user or carry a credential.
        var value = context.Request.Headers[limit.KeyHeader].ToString();
        return value.Length == 0 ? "anonymous" : "h:" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value)).AsSpan(0, 12));
    }

    private static long PromptEstimate(HttpContext context, InferenceRequest request)
    {
        var bytes = request.WholeBody?.Length ?? context.Request.ContentLength ?? request.PrefixBytes;
        return Math.Max(1, (bytes + BytesPerToken - 1) / BytesPerToken);
    }

    private static partial class Log
    {
        [LoggerMessage(71, LogLevel.Warning, "No silo answered for the token budget of {Rule}: the request is admitted (fail open)")]
        public static partial void FailedOpen(ILogger logger, string rule);
    }
}

/// <summary>Once a second, gives back what idle slices hold (<see cref="TokenLimiter.ReturnIdleAsync"/>).</summary>
internal sealed class IdleSliceReturner(TokenLimiter limiter, TimeProvider time) : Microsoft.Extensions.Hosting.BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await limiter.ReturnIdleAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}

/// <summary>What one admitted request reserved, settled when its response is over.</summary>
internal sealed record TokenReservation(LocalSlice Slice, long Prompt, long Completion);

/// <summary>
/// This sidecar's part of one client's budget: tokens taken from the silos and not yet reserved. It may go negative
/// when a response used more than was reserved; the next top-up pays that back first.
/// </summary>
internal sealed class LocalSlice
{
    private readonly Lock _gate = new();
    private long _prompt;
    private long _completion;

    public SemaphoreSlim Refill { get; } = new(1, 1);

    public long LastUsed { get; private set; }

    public (long Prompt, long Completion) Limit { get; set; }

    /// <summary>Timestamp until which the silos' last refusal stands (read and written under <see cref="Refill"/>).</summary>
    public long RefusedUntil { get; set; }

    public bool TryReserve(long prompt, long completion, long now)
    {
        lock (_gate)
        {
            LastUsed = now;
            if (_prompt < prompt || _completion < completion)
            {
                return false;
            }

            _prompt -= prompt;
            _completion -= completion;
            return true;
        }
    }

    public void Reserve(long prompt, long completion, long now)
    {
        lock (_gate)
        {
            LastUsed = now;
            _prompt -= prompt;
            _completion -= completion;
        }
    }

    public (long Prompt, long Completion) Held()
    {
        lock (_gate)
        {
            return (_prompt, _completion);
        }
    }

    public void Add(long prompt, long completion)
    {
        lock (_gate)
        {
            _prompt += prompt;
            _completion += completion;
        }
    }

    public (long Prompt, long Completion) TakeAllPositive()
    {
        lock (_gate)
        {
            var taken = (Math.Max(0, _prompt), Math.Max(0, _completion));
            _prompt -= taken.Item1;
            _completion -= taken.Item2;
            return taken;
        }
    }
}
