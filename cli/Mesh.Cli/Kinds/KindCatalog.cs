using Mesh.Contracts.Resources;

namespace Mesh.Cli.Kinds;

/// <summary>Every kind with its kubectl/istioctl names: singular, plural, lower case and short (vs, dr, gw ...).</summary>
internal static class KindCatalog
{
    private static readonly Dictionary<string, string> ShortNames = new(StringComparer.Ordinal)
    {
        [ResourceKinds.VirtualService] = "vs",
        [ResourceKinds.DestinationRule] = "dr",
        [ResourceKinds.Gateway] = "gw",
        [ResourceKinds.ServiceEntry] = "se",
        [ResourceKinds.WorkloadEntry] = "we",
        [ResourceKinds.PeerAuthentication] = "pa",
        [ResourceKinds.AuthorizationPolicy] = "ap",
        [ResourceKinds.RequestAuthentication] = "ra",
    };

    public static IReadOnlyList<KindInfo> All { get; } = Build();

    /// <summary>Finds a kind by any of its names, case-insensitively; unknown names are a user error listing the choices.</summary>
    public static KindInfo Find(string name)
    {
        var lower = name.Trim().ToLowerInvariant();
        foreach (var kind in All)
        {
            if (kind.Aliases.Contains(lower) || kind.DisplayName == lower)
            {
                return kind;
            }
        }

        throw new CliException(ExitCodes.UserError, $"unknown kind '{name}'; known kinds: {Known()}");
    }

    /// <summary>The kind of a resource read from a file (exact kind name, as in the YAML).</summary>
    public static KindInfo ForResource(MeshResource resource) =>
        All.FirstOrDefault(k => k.Kind == resource.Kind && k.Api is not (KindApi.Subscriber or KindApi.Member or KindApi.Shard or KindApi.Credential))
        ?? throw new CliException(ExitCodes.UserError, $"unknown kind '{resource.Kind}'; known kinds: {Known()}");

    public static string Known() => string.Join(", ", All.Select(k => k.Aliases[1] + (ShortNames.TryGetValue(k.Kind, out var s) ? $" ({s})" : "")));

    private static List<KindInfo> Build()
    {
        var kinds = new List<KindInfo>
        {
            new(ResourceKinds.Service, "mesh.dev", KindApi.Service, ["service", "services", "svc"]),
            new(ResourceKinds.Endpoint, "mesh.dev", KindApi.Endpoint, ["endpoint", "endpoints", "ep"]),
            new("Subscriber", "mesh.dev", KindApi.Subscriber, ["subscriber", "subscribers", "sub"]),
            new("Member", "mesh.dev", KindApi.Member, ["member", "members", "silo", "silos"]),
            new("Shard", "mesh.dev", KindApi.Shard, ["shard", "shards"]),
            new("Credential", "mesh.dev", KindApi.Credential, ["credential", "credentials", "secret", "secrets"]),
        };
        foreach (var (kind, group) in ResourceKinds.ConfigKindGroups)
        {
            var lower = kind.ToLowerInvariant();
            List<string> aliases = [lower, lower.EndsWith('y') && !"aeiou".Contains(lower[^2]) ? lower[..^1] + "ies" : lower + "s"];
            if (ShortNames.TryGetValue(kind, out var shortName))
            {
                aliases.Add(shortName);
            }

            kinds.Add(new KindInfo(kind, group, KindApi.Config, aliases));
        }

        return kinds;
    }
}
