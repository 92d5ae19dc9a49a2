using Mesh.Routing.Model;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>
/// Consistent hashing on a ring (Envoy's ring_hash): each endpoint owns a number of points proportional to its
/// weight, a request goes to the first point at or after its key's hash. Adding or removing one endpoint moves only
/// the keys that endpoint owned. Requests without a key fall back to weighted random.
/// </summary>
internal sealed class RingHashBalancer : ILoadBalancer
{
    private const long MaxRingSize = 1 << 20;
    private readonly ulong[] _hashes;
    private readonly int[] _owners;
    private readonly HashKeyConfig _key;
    private readonly Random _random;

    public RingHashBalancer(EndpointRuntime[] endpoints, HashKeyConfig key, long minimumRingSize, Random random)
    {
        _key = key;
        _random = random;
        // Points per unit of (gcd-reduced) weight depend only on the configured ring size, never on how many
        // endpoints there are: that is what keeps every surviving endpoint's points in place when one is removed.
        var divisor = 0;
        foreach (var endpoint in endpoints)
        {
            divisor = Gcd(divisor, endpoint.Weight);
        }

        long totalUnits = 0;
        foreach (var endpoint in endpoints)
        {
            totalUnits += endpoint.Weight / Math.Max(1, divisor);
        }

        var perUnit = (int)Math.Clamp(minimumRingSize / 8, 16, 1024);
        if (totalUnits * perUnit > MaxRingSize)
        {
            perUnit = (int)Math.Max(1, MaxRingSize / Math.Max(1, totalUnits));
        }

        var points = new List<(ulong Hash, int Owner)>();
        for (var i = 0; i < endpoints.Length; i++)
        {
            var count = endpoints[i].Weight / Math.Max(1, divisor) * perUnit;
            var address = $"{endpoints[i].Config.Address}:{endpoints[i].Config.Port}";
            for (var n = 0; n < count; n++)
            {
                points.Add((StableHash.Hash($"{address}_{n}"), i));
            }
        }

        points.Sort((a, b) => a.Hash != b.Hash ? a.Hash.CompareTo(b.Hash) : a.Owner.CompareTo(b.Owner));
        _hashes = new ulong[points.Count];
        _owners = new int[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            (_hashes[i], _owners[i]) = points[i];
        }
    }

    public EndpointRuntime? Pick(EndpointRuntime[] endpoints, in EndpointFilter filter, HttpContext? context)
    {
        var key = context is null ? null : HashKey(context);
        return key is null ? RandomBalancer.PickWeighted(endpoints, filter, _random) : PickByHash(endpoints, filter, StableHash.Hash(key));
    }

    internal EndpointRuntime? PickByHash(EndpointRuntime[] endpoints, in EndpointFilter filter, ulong hash)
    {
        if (_hashes.Length == 0)
        {
            return null;
        }

        var index = Array.BinarySearch(_hashes, hash);
        if (index < 0)
        {
            index = ~index;
        }

        // Walk clockwise past endpoints the filter rejects (ejected, excluded by a retry).
        for (var i = 0; i < _hashes.Length; i++)
        {
            var candidate = endpoints[_owners[(index + i) % _hashes.Length]];
            if (filter.Accepts(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    /// <summary>The index of the endpoint that owns <paramref name="hash"/>'s point on the ring, or -1 when the ring is empty.</summary>
    internal int OwnerOf(ulong hash)
    {
        if (_hashes.Length == 0)
        {
            return -1;
        }

        var index = Array.BinarySearch(_hashes, hash);
        index = index < 0 ? ~index : index;
        return _owners[index % _hashes.Length];
    }

    private static int Gcd(int a, int b) => b == 0 ? a : Gcd(b, a % b);

    private string? HashKey(HttpContext context)
    {
        var request = context.Request;
        var value = _key.Source switch
        {
            HashKeySource.Header when _key.Name is not null => request.Headers[_key.Name].ToString(),
            HashKeySource.Cookie when _key.Name is not null => request.Cookies[_key.Name],
            HashKeySource.QueryParameter when _key.Name is not null => request.Query[_key.Name].ToString(),
            HashKeySource.SourceIp => context.Connection.RemoteIpAddress?.ToString(),
            _ => null,
        };
        return string.IsNullOrEmpty(value) ? null : value;
    }
}
