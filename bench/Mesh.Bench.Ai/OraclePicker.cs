namespace Mesh.Bench.Ai;

/// <summary>
/// The ceiling: one central picker that sees everything, because it is the only client of the servers. It knows each
/// server's exact load and which prefixes its cache still holds (its own assignments, evicted least-recently-used at
/// the cache's capacity), and the servers' timing model, and sends each request where it should finish prefill
/// first: the queue wait there plus the prefill a cache miss costs.
/// </summary>
internal sealed class OraclePicker(int servers, int slotsPerServer, int prefixesPerCache, double serviceMs, double missPrefillMs)
{
    private readonly Lock _gate = new();
    private readonly int[] _inFlight = new int[servers];
    private readonly List<int>[] _cached = Enumerable.Range(0, servers).Select(_ => new List<int>()).ToArray();

    public int Pick(int group)
    {
        lock (_gate)
        {
            var best = 0;
            var bestCost = double.MaxValue;
            for (var server = 0; server < servers; server++)
            {
                var waiting = Math.Max(0, _inFlight[server] - slotsPerServer + 1);
                var cost = (waiting * serviceMs / slotsPerServer) + (_cached[server].Contains(group) ? 0 : missPrefillMs);
                if (cost < bestCost)
                {
                    best = server;
                    bestCost = cost;
                }
            }

            var cache = _cached[best];
            cache.Remove(group);
            cache.Insert(0, group);
            if (cache.Count > prefixesPerCache)
            {
                cache.RemoveAt(cache.Count - 1);
            }

            _inFlight[best]++;
            return best;
        }
    }

    public void Done(int server)
    {
        lock (_gate)
        {
            _inFlight[server]--;
        }
    }
}
