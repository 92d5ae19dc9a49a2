using Mesh.Routing.Compilation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mesh.Routing;

public static class RoutingServiceCollectionExtensions
{
    /// <summary>Registers <see cref="IProxyConfigCompiler"/> (stateless, singleton) with the given mesh options.</summary>
    public static IServiceCollection AddMeshRouting(this IServiceCollection services, ProxyCompilerOptions? options = null)
    {
        services.TryAddSingleton(options ?? new ProxyCompilerOptions());
        services.TryAddSingleton<IProxyConfigCompiler>(sp => new ProxyConfigCompiler(sp.GetRequiredService<ProxyCompilerOptions>()));
        return services;
    }
}
