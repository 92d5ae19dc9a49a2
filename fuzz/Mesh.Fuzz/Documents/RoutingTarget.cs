using Mesh.Contracts.Protocol;
using Mesh.Contracts.Resources;
using Mesh.Routing;
using Mesh.Routing.Compilation;
using Mesh.Security.Jwt;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Security;
using JsonWebKeySet = Microsoft.IdentityModel.Tokens.JsonWebKeySet;

namespace Mesh.Fuzz.Documents;

/// <summary>
/// What a sidecar does with configuration the silo accepted: compile it (<see cref="ProxyConfigCompiler"/>), build the
/// runtime routing tables in sidecar and gateway mode, and compile the inbound security policy. Only resources that
/// passed strict validation get here, so anything thrown except <see cref="ProxyConfigException"/> (the compiler's
/// documented "cannot use this at all") means a configuration the silo stores would be refused by every sidecar.
/// </summary>
internal static class RoutingTarget
{
    private static readonly ProxyConfigCompiler Compiler = new();
    private static readonly SidecarOptions SidecarMode = new();
    private static readonly SidecarOptions GatewayMode = new() { Mode = Mesh.Sidecar.Hosting.SidecarMode.Gateway };

    public static void Compile(byte[] input)
    {
        // As the silo stores them: in the namespace of the request path when the document names none, versioned.
        var resources = ResourceTarget.ReadValid(input)
            .Select((r, i) => r with { Metadata = r.Metadata with { Namespace = r.Metadata.Namespace ?? "default", ResourceVersion = i + 1 } })
            .ToList();
        if (resources.Count == 0)
        {
            return;
        }

        // The node sits in the namespace of the first resource, so namespace-scoped rules apply to it.
        var first = resources[0];
        var node = new NodeInfo
        {
            Id = "fuzz-1",
            Namespace = first.Metadata.Namespace ?? "default",
            Service = first.Metadata.Name,
            Labels = first.Metadata.Labels,
        };

        Mesh.Routing.Model.ProxyConfig config;
        try
        {
            config = Compiler.Compile(resources, node, 1);
        }
        catch (ProxyConfigException)
        {
            return;
        }

        new RuntimeConfigBuilder(SidecarMode, new SharedStateRegistry(), TimeProvider.System).Build(config);
        new RuntimeConfigBuilder(GatewayMode, new SharedStateRegistry(), TimeProvider.System).Build(config);
        InboundPolicy.Build(config.Inbound, SidecarMode, NoJwks.Instance, TimeProvider.System);
    }

    private sealed class NoJwks : IJwksSource
    {
        public static readonly NoJwks Instance = new();

        public ValueTask<JsonWebKeySet> GetAsync(string jwksUri, bool unknownKeyId, CancellationToken cancellationToken) =>
            ValueTask.FromResult(new JsonWebKeySet());
    }
}
