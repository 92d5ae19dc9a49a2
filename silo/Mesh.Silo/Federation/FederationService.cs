using System.Security.Cryptography;
using System.Text;
using Grpc.Core;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Grains.Federation;
using Mesh.Istio.Validation;

using Mesh.Silo.Api;

namespace Mesh.Silo.Federation;

/// <summary>
/// The gRPC service <c>mesh.federation.v1.MeshFederation</c>, served by every silo: redeeming this cluster's peering
/// tokens, and the acceptor's end of each peering stream (docs/federation.md).
/// </summary>
internal sealed partial class FederationService(
    IGrainFactory grains, ClusterIdentityProvider identity, PeerSession session, IHostApplicationLifetime lifetime, Mesh.Security.Identity.PeerCertificateValidator validator,
    TimeProvider time, ILogger<FederationService> logger) : MeshFederation.MeshFederationBase
{
    public override async Task<RedeemResponse> Redeem(RedeemRequest request, ServerCallContext context)
    {
        var joiner = request.Joiner ?? throw Invalid("joiner: is required");
        if (!Dns1123.IsSubdomain(joiner.Name))
        {
            throw Invalid($"joiner.name: '{InputValidation.Clip(joiner.Name)}' must be a DNS-1123 subdomain");
        }

        if (!Dns1123.IsSubdomain(joiner.TrustDomain))
        {
            throw Invalid($"joiner.trust_domain: '{InputValidation.Clip(joiner.TrustDomain)}' must be a DNS-1123 subdomain");
        }

        if (joiner.TrustDomain == identity.TrustDomain)
        {
            throw Invalid($"joiner.trust_domain: '{joiner.TrustDomain}' is this cluster's own; each peer keeps its own trust domain");
        }

        if (PeerMessageValidator.Roots(joiner.Roots, "joiner.roots") is { } problem)
        {
            throw Invalid(problem);
        }

        if (joiner.Addresses.Count > 16 || joiner.Addresses.Any(a => !Uri.TryCreate(a, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")))
        {
            throw Invalid("joiner.addresses: expected at most 16 http(s) URLs");
        }

        var credential = PeeringCredentials.NewSecret();
        var record = new PeeringRecord
        {
            PeerCluster = joiner.Name,
            TrustDomain = joiner.TrustDomain,
            Roots = [.. joiner.Roots],
            Addresses = [.. joiner.Addresses],
            Dialer = false,
            CredentialHash = PeeringCredentials.Hash(credential),
            CreatedAt = time.GetUtcNow(),
        };
        var outcome = await grains.GetGrain<IFederationGrain>(0).RedeemAsync(request.TokenId, PeeringCredentials.Hash(request.Secret), record, time.GetUtcNow());
        if (outcome.Peering is not { } stored)
        {
            LogRedeemRefused(logger, InputValidation.Clip(request.TokenId), outcome.Problem ?? "");
            throw new RpcException(new Status(StatusCode.PermissionDenied, outcome.Problem ?? "the peering token was refused"));
        }

        LogPeered(logger, stored.Name, joiner.Name);
        return new RedeemResponse { Issuer = identity.Current(), PeerName = stored.Name, Credential = credential };
    }

    public override async Task Exchange(IAsyncStreamReader<PeerMessage> requestStream, IServerStreamWriter<PeerMessage> responseStream, ServerCallContext context)
    {
        var name = context.RequestHeaders.GetValue(PeerDialer.PeerHeader) ?? "";
        var bearer = context.RequestHeaders.GetValue("authorization") is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header["Bearer ".Length..] : "";
        var peering = Dns1123.IsLabel(name) ? await grains.GetGrain<IFederationGrain>(0).GetAsync(name) : null;
        if (peering is not { Dialer: false, CredentialHash: { } expected }
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes(PeeringCredentials.Hash(bearer))))
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, $"no peering '{InputValidation.Clip(name)}' accepts this credential (deleted, or never established)"));
        }

        if (PeerSiloProblem(context.GetHttpContext(), peering) is { } problem)
        {
            throw new RpcException(new Status(StatusCode.Unauthenticated, problem));
        }

        // A stopping silo ends its peering streams at once (the dialer moves to another silo) rather than holding shutdown.
        using var stream = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        try
        {
            await session.RunAsync(peering, requestStream, responseStream, null, stream.Token);
        }
        catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, "the silo is shutting down; reconnect to another"));
        }
    }

    /// <summary>
    /// Over TLS the stream is mutual TLS: the dialing silo must present a certificate of the peer's trust domain that
    /// chains to the peer's roots, besides the credential. Cleartext (a local or test setup) relies on the credential.
    /// </summary>
    private string? PeerSiloProblem(HttpContext http, PeeringRecord peering)
    {
        if (http.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>() is null)
        {
            return null;
        }

        var roots = new System.Security.Cryptography.X509Certificates.X509Certificate2Collection();
        foreach (var pem in peering.Roots)
        {
            roots.ImportFromPem(pem);
        }

        var result = validator.Validate(http.Connection.ClientCertificate, null, roots, expectedTrustDomain: peering.TrustDomain);
        return result.IsValid ? null : $"peering '{peering.Name}' over TLS needs the peer silo's certificate: {result.FailureReason}";
    }

    private static RpcException Invalid(string problem) => new(new Status(StatusCode.InvalidArgument, problem));


    [LoggerMessage(EventId = 1405, Level = LogLevel.Information, Message = "Peering {Peer} established with cluster {Cluster} (token redeemed)")]
    private static partial void LogPeered(ILogger logger, string peer, string cluster);

    [LoggerMessage(EventId = 1406, Level = LogLevel.Warning, Message = "Refused peering token {TokenId}: {Problem}")]
    private static partial void LogRedeemRefused(ILogger logger, string tokenId, string problem);
}
