using Mesh.Contracts.Istio.Networking;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Analysis.Analyzers;

/// <summary>Every destination a VirtualService names (http routes, mirrors, tcp and tls routes) with its field path.</summary>
internal static class VirtualServiceDestinations
{
    public enum Use
    {
        Route,
        Mirror,
    }

    public static IEnumerable<(Destination Destination, string Path, Use Use)> All(VirtualServiceSpec spec, VirtualServiceExtras? extras)
    {
        var http = spec.Http ?? [];
        for (var i = 0; i < http.Count; i++)
        {
            var route = http[i].Route ?? [];
            for (var j = 0; j < route.Count; j++)
            {
                if (route[j].Destination is { Host: not null } destination)
                {
                    yield return (destination, $"spec.http[{i}].route[{j}].destination", Use.Route);
                }
            }

            if (http[i].Mirror is { Host: not null } mirror)
            {
                yield return (mirror, $"spec.http[{i}].mirror", Use.Mirror);
            }

            var mirrors = extras?.Http is { } list && i < list.Count ? list[i].Mirrors ?? [] : [];
            for (var m = 0; m < mirrors.Count; m++)
            {
                if (mirrors[m].Destination is { Host: not null } destination)
                {
                    yield return (destination, $"spec.http[{i}].mirrors[{m}].destination", Use.Mirror);
                }
            }
        }

        foreach (var (routes, name) in new[] { ((IEnumerable<IReadOnlyList<RouteDestination>?>?)spec.Tcp?.Select(t => t.Route), "tcp"), (spec.Tls?.Select(t => t.Route), "tls") })
        {
            var i = 0;
            foreach (var route in routes ?? [])
            {
                for (var j = 0; j < (route?.Count ?? 0); j++)
                {
                    if (route![j].Destination is { Host: not null } destination)
                    {
                        yield return (destination, $"spec.{name}[{i}].route[{j}].destination", Use.Route);
                    }
                }

                i++;
            }
        }
    }
}
