using System.Security.Cryptography.X509Certificates;
using Grpc.Core;
using Mesh.Contracts.Protocol;
using Mesh.Security.Identity;
using Mesh.Silo.Api;
using Mesh.Silo.Certificates;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Who may open a subscription. Over TLS a sidecar presents its SVID: it must chain to the mesh's trust bundle
/// (else Unauthenticated), and it may then subscribe only as a node of its own namespace (else PermissionDenied), the
/// check istiod makes on a proxy's identity. Without a client certificate the bearer token decides, with the same
/// roles as the admin API's reads.
/// </summary>
internal sealed class SubscriberAuthentication(AdminAuthorization authorization, CertificateAuthorityService ca, PeerCertificateValidator validator, SiloOptions options)
{
    /// <summary>Authenticates the call before anything is read or sent; returns the workload identity when it used mTLS.</summary>
    public async Task<SpiffeId?> AuthenticateAsync(ServerCallContext context)
    {
        var http = context.GetHttpContext();
        if (http.Connection.ClientCertificate is not { } certificate)
        {
            if (await authorization.CheckAsync(http, ApiRole.ReadOnly) is { } refusal)
            {
                throw new RpcException(new Status(refusal.Status == 401 ? StatusCode.Unauthenticated : StatusCode.PermissionDenied, refusal.Message));
            }

            return null;
        }

        CaRootSet roots;
        try
        {
            roots = await ca.RequireBundleAsync(context.CancellationToken);
        }
        catch (ApiStatusException ex)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"client certificates cannot be checked yet: {ex.Message}"));
        }

        var result = validator.Validate(certificate, null, roots.Bundle.ToCollection(), expectedTrustDomain: options.Ca.TrustDomain);
        return result.SpiffeId is { Namespace: not null } identity
            ? identity
            : throw new RpcException(new Status(StatusCode.Unauthenticated,
                $"client certificate refused: {result.FailureReason ?? "its SPIFFE ID is not of the form /ns/<namespace>/sa/<service account>"}"));
    }

    /// <summary>A workload may subscribe only for its own namespace: the scope decides what configuration it receives.</summary>
    public static void Authorize(SpiffeId? identity, NodeInfo node)
    {
        if (identity is { Namespace: { } allowed } && allowed != node.Namespace)
        {
            throw new RpcException(new Status(StatusCode.PermissionDenied,
                $"identity {identity} may subscribe only as a node of namespace '{allowed}', not subscribe.node.namespace '{node.Namespace}'"));
        }
    }
}
