namespace Mesh.Contracts.Registry;

/// <summary>Spec of a <c>Service</c> resource: a named set of ports. Labels live in the resource metadata.</summary>
public sealed record ServiceSpec
{
    public IReadOnlyList<ServicePort> Ports { get; set; } = [];

    /// <summary>Service account workloads of this service run as; it forms their SPIFFE identity.</summary>
    public string? ServiceAccount { get; init; }

    /// <summary>Active health check of the service's endpoints; none when null.</summary>
    public HealthCheckSpec? HealthCheck { get; init; }
}

/// <summary>One port of a service. Protocol is one of HTTP, HTTP2, GRPC, TCP, TLS, HTTPS.</summary>
public sealed record ServicePort
{
    public string Name { get; set; } = "";

    public int Port { get; init; }

    public string Protocol { get; set; } = "HTTP";

    /// <summary>Port on the endpoint; defaults to <see cref="Port"/>.</summary>
    public int? TargetPort { get; init; }
}
