using Mesh.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Sidecar.Configuration;

internal static class CompilerRegistration
{
    /// <summary>Registers the routing library's compiler (resources → ProxyConfig).</summary>
    public static IServiceCollection AddMeshProxyConfigCompiler(this IServiceCollection services)
    {
        services.TryAddSingleton<IProxyConfigCompiler, PendingCompiler>();
        return services;
    }

    /// <summary>Stands in until the routing compiler is merged: rejects every update, so nothing half-compiled is used.</summary>
    private sealed class PendingCompiler : IProxyConfigCompiler
    {
        public Routing.Model.ProxyConfig Compile(IReadOnlyCollection<Contracts.Resources.MeshResource> resources, Contracts.Protocol.NodeInfo node, long revision) =>
            throw new ProxyConfigException("the routing compiler is not available in this build");
    }
}
