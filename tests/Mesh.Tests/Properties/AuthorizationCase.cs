using System.Text.Json;
using Mesh.Contracts.Istio.Security;
using Mesh.Contracts.Json;

namespace Mesh.Tests.Properties;

/// <summary>An AuthorizationPolicy as stored: namespace, name and spec.</summary>
public sealed record GeneratedPolicy(string Namespace, string Name, AuthorizationPolicySpec Spec)
{
    public string Key => $"{Namespace}/{Name}";

    public override string ToString() => $"{Key} {JsonSerializer.Serialize(Spec, MeshJson.Options)}";
}

/// <summary>The request attributes the generated rules test.</summary>
public sealed record AuthorizationRequest(string? Principal, string Method, string Path, int Port)
{
    public override string ToString() => $"{Principal ?? "(no peer identity)"} {Method} {Path} port {Port}";
}

/// <summary>Policies (in the workload's, the root or another namespace) and requests to one workload.</summary>
public sealed record AuthorizationCase(IReadOnlyList<GeneratedPolicy> Policies, IReadOnlyList<AuthorizationRequest> Requests)
{
    /// <summary>The workload every request goes to: reviews-v1 in namespace default.</summary>
    public const string WorkloadNamespace = "default";

    public static readonly IReadOnlyDictionary<string, string> WorkloadLabels = new Dictionary<string, string> { ["app"] = "reviews", ["version"] = "v1" };

    public override string ToString() =>
        $"policies:\n  {string.Join("\n  ", Policies)}\nrequests:\n  {string.Join("\n  ", Requests)}";
}
