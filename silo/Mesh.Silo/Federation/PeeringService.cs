using System.Text;
using Grpc.Core;
using Mesh.Contracts.Federation;
using Mesh.Contracts.Json;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Contracts.Resources;
using Mesh.Grains.Federation;
using Mesh.Istio.Validation;
using Mesh.Silo.Api;
using Mesh.Silo.Certificates;

namespace Mesh.Silo.Federation;

/// <summary>What the peering API does: make tokens, redeem a peer's token, list, describe and delete peerings.</summary>
internal sealed partial class PeeringService(
    IGrainFactory grains, ClusterIdentityProvider identity, CertificateAuthorityService ca, ImportWriter imports, ExportBuilder exports,
    SiloOptions options, TimeProvider time, ILogger<PeeringService> logger)
{
    private static readonly TimeSpan RedeemTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan MaxTokenTtl = TimeSpan.FromHours(24);

    private IFederationGrain Federation => grains.GetGrain<IFederationGrain>(0);

    public async Task<PeeringTokenView> CreateTokenAsync(CreatePeeringTokenRequest request, CancellationToken cancellationToken)
    {
        if (!Dns1123.IsLabel(request.Peer))
        {
            throw new ApiValidationException("peer", $"'{InputValidation.Clip(request.Peer)}' must be a peering name (a DNS-1123 label)");
        }

        if (request.TtlSeconds is { } seconds && (seconds < 60 || seconds > MaxTokenTtl.TotalSeconds))
        {
            throw new ApiValidationException("ttlSeconds", $"must be between 60 and {MaxTokenTtl.TotalSeconds:0}, got {seconds}");
        }

        if (await Federation.GetAsync(request.Peer, cancellationToken) is not null)
        {
            throw new ApiStatusException(409, $"a peering named '{request.Peer}' already exists; delete it first", "peer");
        }

        var roots = identity.Roots;
        if (roots.Count == 0)
        {
            throw new ApiStatusException(503, "the certificate authority has published no roots yet; peering needs them");
        }

        var secret = PeeringCredentials.NewSecret();
        var expires = time.GetUtcNow() + (request.TtlSeconds is { } ttl ? TimeSpan.FromSeconds(ttl) : options.Federation.DefaultTokenTtl);
        var record = new PeeringTokenRecord { Id = PeeringCredentials.NewId(), Peer = request.Peer, SecretHash = PeeringCredentials.Hash(secret), ExpiresAt = expires };
        await Federation.AddTokenAsync(record, cancellationToken);
        var token = new PeeringToken
        {
            Cluster = identity.ClusterName,
            TrustDomain = identity.TrustDomain,
            Addresses = identity.Addresses,
            Roots = roots,
            Id = record.Id,
            Secret = secret,
            ExpiresAt = expires,
        };
        LogTokenCreated(logger, request.Peer, record.Id);
        return new PeeringTokenView(request.Peer, token.Encode(), expires);
    }

    public async Task<PeeringView> JoinAsync(JoinPeeringRequest request, CancellationToken cancellationToken)
    {
        if (!Dns1123.IsLabel(request.Name))
        {
            throw new ApiValidationException("name", $"'{InputValidation.Clip(request.Name)}' must be a peering name (a DNS-1123 label)");
        }

        var token = PeeringToken.TryDecode(request.Token, out var problem) ?? throw new ApiValidationException("token", problem!);
        if (token.TrustDomain == identity.TrustDomain)
        {
            throw new ApiValidationException("token", $"the token is from trust domain '{token.TrustDomain}', this cluster's own; each peer keeps its own trust domain");
        }

        if (token.ExpiresAt <= time.GetUtcNow())
        {
            throw new ApiValidationException("token", $"the peering token expired at {token.ExpiresAt:u}; ask the peer for a new one");
        }

        if (await Federation.GetAsync(request.Name, cancellationToken) is not null)
        {
            throw new ApiStatusException(409, $"a peering named '{request.Name}' already exists", "name");
        }

        var kek = ca.RequireKek();
        var answer = await RedeemAsync(token, cancellationToken);
        if (answer.Issuer is null || answer.Issuer.Name != token.Cluster || answer.Issuer.TrustDomain != token.TrustDomain
            || PeerMessageValidator.Roots(answer.Issuer.Roots, "issuer.roots") is not null || !Dns1123.IsLabel(answer.PeerName))
        {
            throw new ApiStatusException(502, $"cluster '{token.Cluster}' answered the redemption with an identity that does not match its token");
        }

        var record = new PeeringRecord
        {
            Name = request.Name,
            PeerCluster = answer.Issuer.Name,
            TrustDomain = answer.Issuer.TrustDomain,
            Roots = [.. answer.Issuer.Roots],
            Addresses = answer.Issuer.Addresses.Count > 0 ? [.. answer.Issuer.Addresses] : token.Addresses,
            Dialer = true,
            SealedCredential = kek.Seal(Encoding.UTF8.GetBytes(answer.Credential), PeeringCredentials.AssociatedData(request.Name)),
            CreatedAt = time.GetUtcNow(),
            RemoteName = answer.PeerName,
        };
        if (await Federation.AddPeeringAsync(record, cancellationToken) is { } conflict)
        {
            throw new ApiStatusException(409, conflict, "name");
        }

        await grains.GetGrain<IPeerLinkGrain>(record.Name).EnsureActiveAsync();
        LogJoined(logger, record.Name, record.PeerCluster);
        return await ViewAsync(record, cancellationToken);
    }

    public async Task<IReadOnlyList<PeeringView>> ListAsync(CancellationToken cancellationToken)
    {
        var views = new List<PeeringView>();
        foreach (var peering in await Federation.ListAsync(cancellationToken))
        {
            views.Add(await ViewAsync(peering, cancellationToken));
        }

        return views;
    }

    public async Task<PeeringDetail> GetAsync(string name, CancellationToken cancellationToken)
    {
        var peering = await Federation.GetAsync(name, cancellationToken) ?? throw new ApiStatusException(404, $"no peering named '{InputValidation.Clip(name)}'", "name");
        var imported = (await imports.ListAsync(name, cancellationToken)).Values
            .Select(r => MeshJson.FromElement<ImportedServiceSpec>(r.Spec) is { } spec ? new ImportedServiceView(r.Key.Namespace, spec.Service, spec.Localities, r.Version) : null)
            .OfType<ImportedServiceView>()
            .OrderBy(v => v.Namespace, StringComparer.Ordinal).ThenBy(v => v.Service, StringComparer.Ordinal)
            .ToList();
        return new PeeringDetail(await ViewAsync(peering, cancellationToken), imported, ExportedTo(name));
    }

    public async Task DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (!await Federation.DeleteAsync(name, cancellationToken))
        {
            throw new ApiStatusException(404, $"no peering named '{InputValidation.Clip(name)}'", "name");
        }

        await grains.GetGrain<IPeerLinkGrain>(name).StopAsync();
        var withdrawn = await imports.WithdrawAsync(name, cancellationToken);
        LogDeleted(logger, name, withdrawn);
    }

    private async Task<PeeringView> ViewAsync(PeeringRecord peering, CancellationToken cancellationToken)
    {
        var status = await grains.GetGrain<IPeerLinkGrain>(peering.Name).GetStatusAsync();
        var imported = await imports.ListAsync(peering.Name, cancellationToken);
        return new PeeringView
        {
            Name = peering.Name,
            PeerCluster = peering.PeerCluster,
            TrustDomain = peering.TrustDomain,
            Role = peering.Dialer ? "dialer" : "acceptor",
            State = status.State,
            Connected = status.Connected,
            LastHeard = status.LastHeard,
            CreatedAt = peering.CreatedAt,
            ImportedServices = imported.Count,
            ExportedServices = ExportedTo(peering.Name).Count,
            StaleAfter = options.Federation.StaleAfter,
            ExpireAfter = options.Federation.ExpireAfter,
            LastError = status.LastError,
            GatewayReachable = status.GatewayReachable,
            Silo = status.Silo,
        };
    }

    private List<string> ExportedTo(string peer) => [.. exports.ExportedTo(peer).Select(e => $"{e.Namespace}/{e.Name}")];

    /// <summary>Tries each silo the token names; a refusal is final (the token is bad), an unreachable silo is not.</summary>
    private async Task<RedeemResponse> RedeemAsync(PeeringToken token, CancellationToken cancellationToken)
    {
        var request = new RedeemRequest { TokenId = token.Id, Secret = token.Secret, Joiner = identity.Current() };
        var failures = new List<string>();
        foreach (var address in token.Addresses)
        {
            if (!Uri.TryCreate(address, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            {
                failures.Add($"'{InputValidation.Clip(address)}' is not an http(s) URL");
                continue;
            }

            try
            {
                using var channel = FederationChannels.Open(address, token.Roots);
                return await new MeshFederation.MeshFederationClient(channel)
                    .RedeemAsync(request, deadline: time.GetUtcNow().UtcDateTime + RedeemTimeout, cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode is StatusCode.PermissionDenied or StatusCode.InvalidArgument)
            {
                throw new ApiStatusException(ex.StatusCode == StatusCode.PermissionDenied ? 403 : 400, $"cluster '{token.Cluster}' refused the token: {ex.Status.Detail}", "token");
            }
            catch (RpcException ex)
            {
                failures.Add($"{address}: {ex.Status.StatusCode} {ex.Status.Detail}");
            }
        }

        throw new ApiStatusException(503, $"no silo of cluster '{token.Cluster}' answered: {string.Join("; ", failures)}", "token");
    }

    [LoggerMessage(EventId = 1407, Level = LogLevel.Information, Message = "Created a peering token for peer {Peer} (id {TokenId})")]
    private static partial void LogTokenCreated(ILogger logger, string peer, string tokenId);

    [LoggerMessage(EventId = 1408, Level = LogLevel.Information, Message = "Joined cluster {Cluster} as peering {Peer}")]
    private static partial void LogJoined(ILogger logger, string peer, string cluster);

    [LoggerMessage(EventId = 1409, Level = LogLevel.Information, Message = "Deleted peering {Peer}; withdrew {Count} imported service(s)")]
    private static partial void LogDeleted(ILogger logger, string peer, int count);
}

/// <param name="ResourceVersion">The store revision of the import's last change: unchanged while the peer sends the same exports.</param>
public sealed record ImportedServiceView(string Namespace, string Service, IReadOnlyList<ImportedLocality> Localities, long ResourceVersion);

public sealed record PeeringDetail(PeeringView Peering, IReadOnlyList<ImportedServiceView> Imported, IReadOnlyList<string> Exported);
