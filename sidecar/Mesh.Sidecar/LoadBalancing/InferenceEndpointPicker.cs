using Mesh.Routing.Model;
using Mesh.Sidecar.Inference;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// Picks a model server for an inference request (docs/ai-traffic.md, "Endpoint picking"). The hash of the prompt's
/// first bytes chooses a point on a consistent-hash ring, so every sidecar sends the same prefix to the same server
/// without sharing state and that server's prefix cache keeps hitting. Walking clockwise, the first server that is
/// not overloaded takes the request (consistent hashing with bounded loads). A model server with free sequence slots
/// is not loaded in the sense that matters (its queue is empty), so the bound is on the queue:
/// <code>
/// pressure(e) = waiting(e) from its metrics page     (fresh metrics)
///             = requests this sidecar has in flight to e  (no fresh metrics: the passive signal)
/// bound       = LoadBound × (Σ pressure / n + 1)
/// accept e when kvCacheUsage(e) &lt; KvCacheFull and (pressure(e) = 0 or pressure(e) + 1 ≤ bound)
/// </code>
/// A request without a prompt, or one that finds every server over the bound, goes to the server with the least
/// pressure, then the fewest running sequences. Metrics older than <see cref="StaleAfter"/> are ignored.
/// </summary>
internal sealed class InferenceEndpointPicker(EndpointRuntime[] endpoints, InferencePickerConfig config, Random random) : ILoadBalancer
{
    /// <summary>The HttpContext item naming why the endpoint was picked; the access log carries it.</summary>
    public const string ReasonItem = "mesh.pick-reason";

    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(2);

    private readonly RingHashBalancer _ring = new(endpoints, new HashKeyConfig(HashKeySource.Header, null), 1024, random);

    public InferencePickerConfig Config => config;

    public EndpointRuntime? Pick(EndpointRuntime[] candidates, in EndpointFilter filter, HttpContext? context)
    {
        var now = filter.NowTicks;
        double total = 0;
        var accepted = 0;
        foreach (var endpoint in candidates)
        {
            if (filter.Accepts(endpoint))
            {
                total += Pressure(endpoint, now);
                accepted++;
            }
        }

        if (accepted == 0)
        {
            return null;
        }

        var key = context?.Features.Get<InferenceRequest>()?.Prompt.PrefixKey(config.PrefixBytes);
        if (key is { } hash)
        {
            var bound = config.LoadBound * (total / accepted + 1);
            var first = true;
            foreach (var index in _ring.OwnersFrom(hash, candidates.Length))
            {
                var endpoint = candidates[index];
                // Only the prompt's first server on the ring holds its prefix; passing over it for any reason (over the
                // bound, cache full, cooling down after a 429, ejected) makes the pick a spill.
                var owner = first;
                first = false;
                if (!filter.Accepts(endpoint))
                {
                    continue;
                }

                var pressure = Pressure(endpoint, now);
                if ((pressure == 0 || pressure + 1 <= bound) && !CacheFull(endpoint, now))
                {
                    Record(context, owner ? PickReason.PrefixAffinity : PickReason.PrefixSpill);
                    return endpoint;
                }
            }
        }

        Record(context, key is null ? PickReason.LeastLoadedNoPrompt : PickReason.LeastLoadedAllBusy);
        return LeastLoaded(candidates, filter, now);
    }

    private EndpointRuntime? LeastLoaded(EndpointRuntime[] candidates, in EndpointFilter filter, long now)
    {
        EndpointRuntime? best = null;
        var bestLoad = (Pressure: double.MaxValue, Running: double.MaxValue);
        var ties = 0;
        foreach (var endpoint in candidates)
        {
            if (!filter.Accepts(endpoint))
            {
                continue;
            }

            var load = (Pressure: Pressure(endpoint, now) / endpoint.Weight, Running: Running(endpoint, now) / (double)endpoint.Weight);
            if (load.Pressure < bestLoad.Pressure || (load.Pressure == bestLoad.Pressure && load.Running < bestLoad.Running))
            {
                (best, bestLoad, ties) = (endpoint, load, 1);
            }
            else if (load == bestLoad && random.Next(++ties) == 0)
            {
                // Reservoir choice among equals, so idle servers share the work instead of the first one taking it all.
                best = endpoint;
            }
        }

        return best;
    }

    internal static double Pressure(EndpointRuntime endpoint, long nowTicks) =>
        Fresh(endpoint, nowTicks) is { } scraped ? scraped.Waiting : Volatile.Read(ref endpoint.State.ActiveRequests);

    private static int Running(EndpointRuntime endpoint, long nowTicks) =>
        Fresh(endpoint, nowTicks) is { } scraped ? scraped.Running : Volatile.Read(ref endpoint.State.ActiveRequests);

    private static ModelServerLoad? Fresh(EndpointRuntime endpoint, long nowTicks) =>
        endpoint.State.ScrapedLoad is { } scraped && nowTicks - scraped.AtTicks < StaleAfter.Ticks ? scraped : null;

    private bool CacheFull(EndpointRuntime endpoint, long nowTicks) => Fresh(endpoint, nowTicks)?.KvCacheUsage >= config.KvCacheFull;

    private static void Record(HttpContext? context, string reason)
    {
        if (context is not null)
        {
            context.Items[ReasonItem] = reason;
        }
    }
}

/// <summary>Why <see cref="InferenceEndpointPicker"/> chose an endpoint.</summary>
internal static class PickReason
{
    public const string PrefixAffinity = "prefix-affinity";
    public const string PrefixSpill = "prefix-spill";
    public const string LeastLoadedNoPrompt = "least-loaded-no-prompt";
    public const string LeastLoadedAllBusy = "least-loaded-all-busy";
}
