using Mesh.Routing.Model;
using Mesh.Sidecar.Inference;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// Picks a model server for an inference request (docs/ai-traffic.md, "Endpoint picking"). The hash of the prompt's
/// first bytes chooses a point on a consistent-hash ring, so every sidecar sends the same prefix to the same server
/// without sharing state and that server's prefix cache keeps hitting. The owner keeps the request while its load is
/// within a bound of the average (consistent hashing with bounded loads). A model server with free sequence slots is
/// not loaded in the sense that matters (its queue is empty), so the bound is on the queue:
/// <code>
/// pressure(e) = waiting(e) from its metrics page, plus the requests this sidecar sent since that page was read
///               beyond the server's free slots                        (fresh metrics)
///             = requests this sidecar has in flight to e               (no fresh metrics: the passive signal)
/// bound       = LoadBound × (Σ pressure / n + 1)
/// owner keeps it when kvCacheUsage(owner) &lt; KvCacheFull and (pressure(owner) = 0 or pressure(owner) + 1 ≤ bound)
///                    and pressure(owner) ≤ pressure(least loaded other) + QueueSlack
/// </code>
/// Otherwise the request spills to the server with the least pressure, then the fewest running sequences: a spilled
/// request pays a full prefill wherever it goes, so it should at least not queue as well. A request without a prompt
/// goes there too. The bound is relative, which suits light load; when every queue is deep, twice the average is a
/// long wait, so the slack caps in absolute terms how much longer the owner's queue may be than the idlest server's.
/// Metrics older than <see cref="StaleAfter"/> are ignored.
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
        if (key is null)
        {
            Record(context, PickReason.LeastLoadedNoPrompt);
            return LeastLoaded(candidates, filter, now, except: null);
        }

        var bound = config.LoadBound * (total / accepted + 1);
        var owner = candidates[_ring.OwnerOf(key.Value)];
        var spill = LeastLoaded(candidates, filter, now, except: owner);
        var spillPressure = spill is null ? 0 : Pressure(spill, now);
        var ownerPressure = Pressure(owner, now);
        if (filter.Accepts(owner) && WithinBound(ownerPressure, bound) && !CacheFull(owner, now) &&
            (spill is null || ownerPressure <= spillPressure + config.QueueSlack))
        {
            Record(context, PickReason.PrefixAffinity);
            return owner;
        }

        // Passing over the owner for any reason (over the bound or the slack, cache full, cooling down after a 429,
        // ejected) is a spill.
        if (spill is not null)
        {
            Record(context, WithinBound(spillPressure, bound) ? PickReason.PrefixSpill : PickReason.LeastLoadedAllBusy);
            return spill;
        }

        Record(context, PickReason.LeastLoadedAllBusy);
        return filter.Accepts(owner) ? owner : null;
    }

    private static bool WithinBound(double pressure, double bound) => pressure == 0 || pressure + 1 <= bound;

    private EndpointRuntime? LeastLoaded(EndpointRuntime[] candidates, in EndpointFilter filter, long now, EndpointRuntime? except)
    {
        EndpointRuntime? best = null;
        var bestLoad = (Pressure: double.MaxValue, Running: double.MaxValue);
        var ties = 0;
        foreach (var endpoint in candidates)
        {
            if (endpoint == except || !filter.Accepts(endpoint))
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

    internal static double Pressure(EndpointRuntime endpoint, long nowTicks)
    {
        var active = Volatile.Read(ref endpoint.State.ActiveRequests);
        if (Fresh(endpoint, nowTicks) is not { } scraped)
        {
            return active;
        }

        // The page is up to a scrape interval old, and a burst from this sidecar lands inside that interval: the requests
        // it sent since fill the server's free slots first, then queue.
        var freeSlots = Math.Max(0, endpoint.State.SlotsSeen - scraped.Running - scraped.Waiting);
        return scraped.Waiting + Math.Max(0, SentSince(scraped, active) - freeSlots);
    }

    private static int Running(EndpointRuntime endpoint, long nowTicks)
    {
        var active = Volatile.Read(ref endpoint.State.ActiveRequests);
        return Fresh(endpoint, nowTicks) is { } scraped ? scraped.Running + SentSince(scraped, active) : active;
    }

    /// <summary>Requests this sidecar added to the server since the page was read (ended ones do not count against it).</summary>
    private static int SentSince(ModelServerLoad scraped, int active) => Math.Max(0, active - scraped.InFlightAtScrape);

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
