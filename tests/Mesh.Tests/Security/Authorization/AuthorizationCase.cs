using System.Net;
using System.Text.Json;
using Mesh.Contracts.Istio.Security;
using Mesh.Contracts.Json;
using Mesh.Security;
using Mesh.Security.Authorization;

namespace Mesh.Tests.Security.Authorization;

/// <summary>One row of the authorization matrix: policies (in Istio JSON), the target workload, a request and the verdict.</summary>
internal sealed record AuthorizationCase(
    IReadOnlyList<PolicyEntry<AuthorizationPolicySpec>> Policies,
    RequestContext Context,
    bool Allowed,
    string? ExpectedPolicy = null,
    string WorkloadNamespace = "shop",
    IReadOnlyDictionary<string, string>? Labels = null)
{
    public static PolicyEntry<AuthorizationPolicySpec> Policy(string ns, string name, string specJson) =>
        new(ns, name, JsonSerializer.Deserialize<AuthorizationPolicySpec>(specJson, MeshJson.Options)!);

    public static RequestContext Request(
        string? principal = "cluster.local/ns/shop/sa/cart",
        string ip = "10.1.2.3",
        string method = "GET",
        string path = "/",
        string host = "api.shop.svc",
        int port = 8080,
        Dictionary<string, string>? headers = null,
        string? claimsJson = null) => new()
        {
            Principal = principal,
            SourceIp = IPAddress.Parse(ip),
            Method = method,
            Path = path,
            Host = host,
            DestinationPort = port,
            Headers = headers,
            Claims = claimsJson is null ? null : JsonDocument.Parse(claimsJson).RootElement.Clone(),
            RequestPrincipal = claimsJson is null ? null : "https://issuer.example/user-1",
        };
}
