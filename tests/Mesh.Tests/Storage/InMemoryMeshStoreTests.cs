using Mesh.Storage.Abstractions;
using Mesh.Storage.InMemory;

namespace Mesh.Tests.Storage;

public sealed class InMemoryMeshStoreTests : MeshStoreContractTests
{
    protected override async Task<IMeshStore> CreateStoreAsync()
    {
        var store = new InMemoryMeshStore(TimeProvider.System);
        await store.InitializeAsync(Ct);
        return store;
    }
}
