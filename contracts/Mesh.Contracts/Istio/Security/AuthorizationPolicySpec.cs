using System.Text.Json.Serialization;

namespace Mesh.Contracts.Istio.Security;

/// <summary>Spec of an Istio <c>AuthorizationPolicy</c> (security.istio.io). Field names follow Istio's API reference.</summary>
public sealed record AuthorizationPolicySpec
{
    public WorkloadSelector? Selector { get; init; }

    public AuthorizationAction Action { get; set; } = AuthorizationAction.Allow;

    /// <summary>Only meaningful with <see cref="AuthorizationAction.Custom"/>; Mesh skips CUSTOM policies.</summary>
    public AuthorizationProvider? Provider { get; init; }

    /// <summary>A null/absent list means "no rules"; an ALLOW policy with no rules matches nothing.</summary>
    public IReadOnlyList<AuthorizationRule>? Rules { get; init; }
}

/// <summary>Istio <c>AuthorizationPolicy.Action</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuthorizationAction>))]
public enum AuthorizationAction
{
    [JsonStringEnumMemberName("ALLOW")]
    Allow,

    [JsonStringEnumMemberName("DENY")]
    Deny,

    [JsonStringEnumMemberName("AUDIT")]
    Audit,

    [JsonStringEnumMemberName("CUSTOM")]
    Custom,
}

/// <summary>Istio <c>AuthorizationPolicy.ExtensionProvider</c>.</summary>
public sealed record AuthorizationProvider
{
    public string? Name { get; init; }
}

/// <summary>Istio <c>Rule</c>: matches when all of <c>from</c>, <c>to</c> and <c>when</c> match (empty parts match all).</summary>
public sealed record AuthorizationRule
{
    public IReadOnlyList<RuleFrom>? From { get; init; }

    public IReadOnlyList<RuleTo>? To { get; init; }

    public IReadOnlyList<RuleCondition>? When { get; init; }
}

/// <summary>Istio <c>Rule.From</c>.</summary>
public sealed record RuleFrom
{
    public RuleSource? Source { get; init; }
}

/// <summary>Istio <c>Source</c>: all set fields must match.</summary>
public sealed record RuleSource
{
    public IReadOnlyList<string>? Principals { get; init; }

    public IReadOnlyList<string>? NotPrincipals { get; init; }

    public IReadOnlyList<string>? RequestPrincipals { get; init; }

    public IReadOnlyList<string>? NotRequestPrincipals { get; init; }

    public IReadOnlyList<string>? Namespaces { get; init; }

    public IReadOnlyList<string>? NotNamespaces { get; init; }

    public IReadOnlyList<string>? IpBlocks { get; init; }

    public IReadOnlyList<string>? NotIpBlocks { get; init; }

    public IReadOnlyList<string>? RemoteIpBlocks { get; init; }

    public IReadOnlyList<string>? NotRemoteIpBlocks { get; init; }
}

/// <summary>Istio <c>Rule.To</c>.</summary>
public sealed record RuleTo
{
    public RuleOperation? Operation { get; init; }
}

/// <summary>Istio <c>Operation</c>: all set fields must match. Ports are strings in Istio; numbers are accepted too.</summary>
public sealed record RuleOperation
{
    public IReadOnlyList<string>? Hosts { get; init; }

    public IReadOnlyList<string>? NotHosts { get; init; }

    [JsonConverter(typeof(StringOrNumberListConverter))]
    public IReadOnlyList<string>? Ports { get; init; }

    [JsonConverter(typeof(StringOrNumberListConverter))]
    public IReadOnlyList<string>? NotPorts { get; init; }

    public IReadOnlyList<string>? Methods { get; init; }

    public IReadOnlyList<string>? NotMethods { get; init; }

    public IReadOnlyList<string>? Paths { get; init; }

    public IReadOnlyList<string>? NotPaths { get; init; }
}

/// <summary>Istio <c>Condition</c>: <c>key</c> such as <c>request.auth.claims[iss]</c> or <c>request.headers[x-user]</c>.</summary>
public sealed record RuleCondition
{
    public string Key { get; set; } = "";

    public IReadOnlyList<string>? Values { get; init; }

    public IReadOnlyList<string>? NotValues { get; init; }
}
