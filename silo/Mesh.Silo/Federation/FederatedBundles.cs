using Mesh.Contracts.Certificates;
using Mesh.Grains.Federation;

namespace Mesh.Silo.Federation;

internal static class FederatedBundles
{
    public static FederatedTrustBundle Of(PeeringRecord peering) =>
        new() { Peer = peering.Name, TrustDomain = peering.TrustDomain, Roots = peering.Roots };
}
