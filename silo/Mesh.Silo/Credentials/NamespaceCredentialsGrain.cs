using Mesh.Grains.Credentials;
using Mesh.Storage.Orleans;

namespace Mesh.Silo.Credentials;

/// <summary>One namespace's sealed credentials as grain state (see <see cref="INamespaceCredentialsGrain"/>).</summary>
internal sealed class NamespaceCredentialsGrain(
    [PersistentState("credentials", OrleansPostgresSiloBuilderExtensions.StorageName)] IPersistentState<NamespaceCredentialsState> state) : Grain, INamespaceCredentialsGrain
{
    public async Task<bool> PutAsync(SealedCredential credential, CancellationToken cancellationToken)
    {
        var existed = state.State.Credentials.ContainsKey(credential.Name);
        state.State = new NamespaceCredentialsState { Credentials = new Dictionary<string, SealedCredential>(state.State.Credentials, StringComparer.Ordinal) { [credential.Name] = credential } };
        await state.WriteStateAsync(cancellationToken);
        return existed;
    }

    public Task<SealedCredential?> GetAsync(string name, CancellationToken cancellationToken) =>
        Task.FromResult(state.State.Credentials.GetValueOrDefault(name));

    public Task<IReadOnlyList<SealedCredential>> ListAsync(CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<SealedCredential>>([.. state.State.Credentials.Values.OrderBy(c => c.Name, StringComparer.Ordinal)]);

    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        if (!state.State.Credentials.ContainsKey(name))
        {
            return false;
        }

        var remaining = new Dictionary<string, SealedCredential>(state.State.Credentials, StringComparer.Ordinal);
        remaining.Remove(name);
        state.State = new NamespaceCredentialsState { Credentials = remaining };
        await state.WriteStateAsync(cancellationToken);
        return true;
    }
}

[GenerateSerializer]
[Alias("mesh.credentials.namespace-state.v1")]
internal sealed record NamespaceCredentialsState
{
    [Id(0)]
    public Dictionary<string, SealedCredential> Credentials { get; init; } = new(StringComparer.Ordinal);
}
