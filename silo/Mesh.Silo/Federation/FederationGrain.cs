using System.Security.Cryptography;
using System.Text;
using Mesh.Grains.Federation;
using Mesh.Silo.Certificates;
using Mesh.Storage.Orleans;

namespace Mesh.Silo.Federation;

/// <summary>The cluster's peerings and tokens (see <see cref="IFederationGrain"/>).</summary>
internal sealed class FederationGrain(
    [PersistentState("federation", OrleansPostgresSiloBuilderExtensions.StorageName)] IPersistentState<FederationState> state,
    TrustBundlePublisher publisher) : Grain, IFederationGrain
{
    /// <summary>Spent and expired tokens are kept this long, so a reused token is told it was used, not that it is unknown.</summary>
    private static readonly TimeSpan TokenRetention = TimeSpan.FromDays(7);

    public async Task AddTokenAsync(PeeringTokenRecord token, CancellationToken cancellationToken)
    {
        var tokens = state.State.Tokens
            .Where(t => t.Value.ExpiresAt + TokenRetention > token.ExpiresAt)
            .ToDictionary(t => t.Key, t => t.Value, StringComparer.Ordinal);
        tokens[token.Id] = token;
        state.State = state.State with { Tokens = tokens };
        await state.WriteStateAsync(cancellationToken);
    }

    public async Task<RedeemOutcome> RedeemAsync(string tokenId, string secretHash, PeeringRecord peering, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (!state.State.Tokens.TryGetValue(tokenId, out var token)
            || !CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(token.SecretHash), Encoding.ASCII.GetBytes(secretHash)))
        {
            return new RedeemOutcome { Problem = "the peering token is not one this cluster issued (unknown id or wrong secret)" };
        }

        if (token.Redeemed)
        {
            return new RedeemOutcome { Problem = "the peering token was already redeemed; create a new one" };
        }

        if (token.ExpiresAt <= now)
        {
            return new RedeemOutcome { Problem = $"the peering token expired at {token.ExpiresAt:u}; create a new one" };
        }

        if (state.State.Peerings.ContainsKey(token.Peer))
        {
            return new RedeemOutcome { Problem = $"this cluster already has a peering named '{token.Peer}'" };
        }

        var stored = peering with { Name = token.Peer };
        var tokens = new Dictionary<string, PeeringTokenRecord>(state.State.Tokens, StringComparer.Ordinal) { [tokenId] = token with { Redeemed = true } };
        var peerings = new Dictionary<string, PeeringRecord>(state.State.Peerings, StringComparer.Ordinal) { [stored.Name] = stored };
        state.State = new FederationState { Tokens = tokens, Peerings = peerings };
        await state.WriteStateAsync(cancellationToken);
        await PublishTrustAsync(cancellationToken);
        return new RedeemOutcome { Peering = stored };
    }

    public async Task<string?> AddPeeringAsync(PeeringRecord peering, CancellationToken cancellationToken)
    {
        if (state.State.Peerings.ContainsKey(peering.Name))
        {
            return $"a peering named '{peering.Name}' already exists";
        }

        var peerings = new Dictionary<string, PeeringRecord>(state.State.Peerings, StringComparer.Ordinal) { [peering.Name] = peering };
        state.State = state.State with { Peerings = peerings };
        await state.WriteStateAsync(cancellationToken);
        await PublishTrustAsync(cancellationToken);
        return null;
    }

    public Task<PeeringRecord?> GetAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(state.State.Peerings.GetValueOrDefault(name));

    public Task<IReadOnlyList<PeeringRecord>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<PeeringRecord>>([.. state.State.Peerings.Values.OrderBy(p => p.Name, StringComparer.Ordinal)]);

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (!state.State.Peerings.ContainsKey(name))
        {
            return false;
        }

        var peerings = new Dictionary<string, PeeringRecord>(state.State.Peerings, StringComparer.Ordinal);
        peerings.Remove(name);
        state.State = state.State with { Peerings = peerings };
        await state.WriteStateAsync(cancellationToken);
        await PublishTrustAsync(cancellationToken);
        return true;
    }

    public async Task<bool> UpdateRootsAsync(string name, IReadOnlyList<string> roots, CancellationToken cancellationToken)
    {
        if (!state.State.Peerings.TryGetValue(name, out var peering) || peering.Roots.SequenceEqual(roots, StringComparer.Ordinal))
        {
            return false;
        }

        var peerings = new Dictionary<string, PeeringRecord>(state.State.Peerings, StringComparer.Ordinal) { [name] = peering with { Roots = [.. roots] } };
        state.State = state.State with { Peerings = peerings };
        await state.WriteStateAsync(cancellationToken);
        await PublishTrustAsync(cancellationToken);
        return true;
    }

    /// <summary>The sidecars' trust bundle carries every peer's roots; it is republished after each change to them.</summary>
    private Task PublishTrustAsync(CancellationToken cancellationToken) =>
        publisher.PublishAsync(cancellationToken, [.. state.State.Peerings.Values.Select(FederatedBundles.Of)]);
}

[GenerateSerializer]
[Alias("mesh.federation.state.v1")]
internal sealed record FederationState
{
    [Id(0)] public Dictionary<string, PeeringRecord> Peerings { get; init; } = new(StringComparer.Ordinal);
    [Id(1)] public Dictionary<string, PeeringTokenRecord> Tokens { get; init; } = new(StringComparer.Ordinal);
}
