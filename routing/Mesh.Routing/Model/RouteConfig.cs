namespace Mesh.Routing.Model;

/// <summary>One compiled HTTP route (an Istio HTTPRoute).</summary>
public sealed record RouteConfig
{
    public string Name { get; init; } = "";

    /// <summary>Any one must match; empty means the route matches every request.</summary>
    public IReadOnlyList<RouteMatchConfig> Matches { get; init; } = [];

    /// <summary>Weighted destinations; weights sum to 100 (a single destination has weight 100).</summary>
    public IReadOnlyList<WeightedClusterConfig> Clusters { get; init; } = [];

    public RedirectConfig? Redirect { get; init; }
    public DirectResponseConfig? DirectResponse { get; init; }
    public RewriteConfig? Rewrite { get; init; }
    public TimeSpan? Timeout { get; init; }
    public RetryConfig? Retry { get; init; }
    public FaultConfig? Fault { get; init; }
    public MirrorConfig? Mirror { get; init; }
    public HeaderOperationsConfig? RequestHeaders { get; init; }
    public HeaderOperationsConfig? ResponseHeaders { get; init; }
}

/// <summary>All present conditions must hold.</summary>
public sealed record RouteMatchConfig
{
    public StringMatchConfig? Path { get; init; }
    public StringMatchConfig? Method { get; init; }
    public StringMatchConfig? Authority { get; init; }
    public StringMatchConfig? Scheme { get; init; }
    public IReadOnlyList<KeyedMatchConfig> Headers { get; init; } = [];

    /// <summary>Headers that must not match (Istio withoutHeaders).</summary>
    public IReadOnlyList<KeyedMatchConfig> WithoutHeaders { get; init; } = [];
    public IReadOnlyList<KeyedMatchConfig> QueryParams { get; init; } = [];
    public int? Port { get; init; }
    public bool IgnoreUriCase { get; init; }
}

public sealed record KeyedMatchConfig(string Name, StringMatchConfig Match);

public enum StringMatchKind
{
    Exact,
    Prefix,
    Regex,
}

/// <summary>A string condition. Regexes are compiled with RegexOptions.NonBacktracking by the sidecar.</summary>
public sealed record StringMatchConfig(StringMatchKind Kind, string Value);

public sealed record WeightedClusterConfig
{
    public string Cluster { get; init; } = "";
    public int Weight { get; init; } = 100;
    public HeaderOperationsConfig? RequestHeaders { get; init; }
    public HeaderOperationsConfig? ResponseHeaders { get; init; }
}

public sealed record HeaderOperationsConfig
{
    public IReadOnlyDictionary<string, string> Set { get; init; } = new Dictionary<string, string>();
    public IReadOnlyDictionary<string, string> Add { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<string> Remove { get; init; } = [];
}

public sealed record RedirectConfig
{
    public string? Uri { get; init; }
    public string? Authority { get; init; }
    public int? Port { get; init; }
    public string? Scheme { get; init; }
    public int Code { get; init; } = 301;
}

public sealed record DirectResponseConfig(int Status, string? Body);

/// <summary>Prefix rewrite: the part of the path matched by a prefix match is replaced by <see cref="Uri"/>.</summary>
public sealed record RewriteConfig
{
    public string? Uri { get; init; }
    public string? Authority { get; init; }
    public string? RegexMatch { get; init; }
    public string? RegexReplacement { get; init; }
}

public sealed record RetryConfig
{
    /// <summary>Retries after the first try (Istio attempts).</summary>
    public int Attempts { get; init; }
    public TimeSpan? PerTryTimeout { get; init; }

    /// <summary>Conditions: 5xx, gateway-error, connect-failure, reset, refused-stream, retriable-4xx, retriable-status-codes.</summary>
    public IReadOnlyList<string> RetryOn { get; init; } = [];
    public IReadOnlyList<int> RetriableStatusCodes { get; init; } = [];

    /// <summary>Retry budget: at most this percentage of active requests may be retries (no retry storms).</summary>
    public double BudgetPercent { get; init; } = 20;

    /// <summary>Retries always allowed regardless of the budget, so low traffic can still retry.</summary>
    public int MinRetryConcurrency { get; init; } = 3;
}

public sealed record FaultConfig
{
    public DelayFaultConfig? Delay { get; init; }
    public AbortFaultConfig? Abort { get; init; }
}

/// <summary>Percent is 0-100.</summary>
public sealed record DelayFaultConfig(TimeSpan Delay, double Percent);

public sealed record AbortFaultConfig(int Status, double Percent);

public sealed record MirrorConfig(string Cluster, double Percent);
