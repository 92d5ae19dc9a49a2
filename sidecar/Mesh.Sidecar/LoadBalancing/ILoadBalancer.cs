using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.LoadBalancing;

/// <summary>Picks one endpoint among those a filter accepts. Endpoint weights apply to every algorithm.</summary>
internal interface ILoadBalancer
{
    EndpointRuntime? Pick(EndpointRuntime[] endpoints, in EndpointFilter filter, HttpContext? context);
}
