using Mesh.Routing.Model;
using Mesh.Sidecar.LoadBalancing;

namespace Mesh.Tests.Sidecar.LoadBalancing;

internal static class Endpoints
{
    public static EndpointRuntime Make(int index, int weight = 1, string? zone = null, string? localZone = null) =>
        new(new EndpointConfig { Address = $"10.0.0.{index}", Port = 8080, Weight = weight, Zone = zone }, new EndpointState(), localZone, viaSidecar: false);

    public static EndpointFilter All => new(0, localOnly: false, exclude: null, includeEjected: false);

    public static Dictionary<EndpointRuntime, int> Count(EndpointRuntime[] endpoints, Func<EndpointRuntime?> pick, int times)
    {
        var counts = endpoints.ToDictionary(e => e, _ => 0);
        for (var i = 0; i < times; i++)
        {
            counts[pick() ?? throw new InvalidOperationException("no endpoint picked")]++;
        }

        return counts;
    }
}
