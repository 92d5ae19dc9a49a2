namespace Mesh.Contracts.Registry;

/// <summary>
/// Active health check of a service's endpoints, run by the silos (each endpoint by exactly one silo). Exactly one
/// of <see cref="Http"/> and <see cref="Tcp"/> is set. Durations are Istio-style strings (<c>500ms</c>, <c>10s</c>).
/// </summary>
public sealed record HealthCheckSpec
{
    public const string DefaultInterval = "10s";
    public const string DefaultTimeout = "2s";
    public const int DefaultHealthyThreshold = 2;
    public const int DefaultUnhealthyThreshold = 3;

    public HttpHealthCheck? Http { get; init; }

    public TcpHealthCheck? Tcp { get; init; }

    /// <summary>Time between two probes of one endpoint; default <see cref="DefaultInterval"/>.</summary>
    public string? Interval { get; init; }

    /// <summary>A probe without an answer within this time failed; default <see cref="DefaultTimeout"/>.</summary>
    public string? Timeout { get; init; }

    /// <summary>Consecutive successes that make an unhealthy endpoint healthy.</summary>
    public int? HealthyThreshold { get; init; }

    /// <summary>Consecutive failures that make a healthy endpoint unhealthy.</summary>
    public int? UnhealthyThreshold { get; init; }
}

/// <summary>An HTTP GET probe; healthy when the status is one of <see cref="ExpectedStatuses"/> (default 200).</summary>
public sealed record HttpHealthCheck
{
    public string Path { get; set; } = "/";

    public IReadOnlyList<int>? ExpectedStatuses { get; init; }

    /// <summary>Port to probe; default the endpoint's port.</summary>
    public int? Port { get; init; }
}

/// <summary>A TCP connect probe; healthy when the connection is accepted.</summary>
public sealed record TcpHealthCheck
{
    /// <summary>Port to probe; default the endpoint's port.</summary>
    public int? Port { get; init; }
}
