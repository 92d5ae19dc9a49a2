using Mesh.Contracts.Resources;

namespace Mesh.Cli.Kinds;

/// <summary>How a kind is reached through the admin API.</summary>
internal enum KindApi
{
    Service,
    Endpoint,
    Config,
    Subscriber,
    Member,
    Shard,
    Credential,
}

/// <summary>One kind meshctl knows: its names on the command line and where the admin API keeps it.</summary>
internal sealed record KindInfo(string Kind, string Group, KindApi Api, IReadOnlyList<string> Aliases)
{
    public bool Namespaced => Api is KindApi.Service or KindApi.Endpoint or KindApi.Config or KindApi.Credential;

    /// <summary>kubectl's <c>kind.group</c> spelling, e.g. <c>virtualservice.networking.istio.io</c>.</summary>
    public string DisplayName => $"{Kind.ToLowerInvariant()}.{Group}";

    public string ListPath(string? ns, string? labelSelector = null) => Api switch
    {
        KindApi.Service => "/api/v1/services" + Query(ns, labelSelector),
        KindApi.Endpoint => "/api/v1/endpoints" + Query(ns, labelSelector),
        KindApi.Config => $"/api/v1/resources/{Kind}" + Query(ns, labelSelector),
        KindApi.Credential when ns is null => throw new CliException(ExitCodes.Usage, "credentials are listed per namespace; drop -A and give -n NAMESPACE"),
        _ when labelSelector is not null => throw new CliException(ExitCodes.Usage, $"--selector applies to resources with labels, not to {Aliases[1]}"),
        KindApi.Subscriber => "/api/v1/subscribers",
        KindApi.Shard => "/api/v1/shards",
        KindApi.Credential => $"/api/v1/namespaces/{Escape(ns!)}/credentials",
        _ => "/api/v1/members",
    };

    public string ItemPath(string ns, string name) => Api switch
    {
        KindApi.Service => $"/api/v1/namespaces/{Escape(ns)}/services/{Escape(name)}",
        KindApi.Endpoint => $"/api/v1/namespaces/{Escape(ns)}/endpoints/{Escape(name)}",
        KindApi.Config => $"/api/v1/namespaces/{Escape(ns)}/resources/{Kind}/{Escape(name)}",
        KindApi.Subscriber => $"/api/v1/subscribers/{Escape(name)}",
        KindApi.Credential => $"/api/v1/namespaces/{Escape(ns)}/credentials/{Escape(name)}",
        KindApi.Shard => throw new CliException(ExitCodes.UserError, "shards cannot be fetched by number; use 'meshctl get shards'"),
        _ => throw new CliException(ExitCodes.UserError, "members cannot be fetched by name; use 'meshctl get members'"),
    };

    public static string Escape(string segment) => Uri.EscapeDataString(segment);

    private static string Query(string? ns, string? labelSelector)
    {
        var parameters = new List<string>();
        if (ns is not null)
        {
            parameters.Add("namespace=" + Escape(ns));
        }

        if (labelSelector is not null)
        {
            parameters.Add("labelSelector=" + Escape(labelSelector));
        }

        return parameters.Count == 0 ? "" : "?" + string.Join('&', parameters);
    }

    public static bool IsMeshKind(string kind) => kind is ResourceKinds.Service or ResourceKinds.Endpoint;
}
