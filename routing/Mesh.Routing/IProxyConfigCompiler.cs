using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;

namespace Mesh.Routing;

/// <summary>Turns the resources a sidecar holds into the configuration it routes with.</summary>
public interface IProxyConfigCompiler
{
    /// <summary>
    /// Compiles <paramref name="resources"/> for <paramref name="node"/>. Throws <see cref="ProxyConfigException"/> when the
    /// resources cannot be used at all (the sidecar NACKs and keeps its previous configuration); problems confined to
    /// one resource become <see cref="ProxyConfig.Warnings"/>.
    /// </summary>
    ProxyConfig Compile(IReadOnlyCollection<MeshResource> resources, NodeInfo node, long revision);
}

public sealed class ProxyConfigException(string message) : Exception(message);
