using Mesh.Contracts.Registry;

namespace Mesh.Contracts.Domains;

/// <summary>The health domain: the control plane's view of whether an endpoint should receive traffic.</summary>
public interface IEndpointHealth
{
    /// <summary>Records a health observation; returns false when the endpoint does not exist.</summary>
    Task<bool> ReportAsync(string @namespace, string endpointName, EndpointHealth health, CancellationToken cancellationToken);
}
