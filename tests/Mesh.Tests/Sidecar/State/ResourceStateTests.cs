using System.Text.Json;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Contracts.Resources;
using Mesh.Sidecar.State;

namespace Mesh.Tests.Sidecar.State;

public sealed class ResourceStateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mesh-state-").FullName;

    [Fact]
    public void Apply_Response_UpsertsRemovesAndIgnoresUnknownRemovals()
    {
        var state = ResourceState.FromResources(5, [Resource("a", 1), Resource("b", 2)]);
        var response = new Resources { Nonce = "8", SystemVersionInfo = "8" };
        response.Resources_.Add([WireResources.ToWire(Resource("a", 7)), WireResources.ToWire(Resource("c", 8))]);
        response.RemovedResources.Add(["Service/default/b", "Service/default/never-held"]);

        var next = state.Apply(response);

        Assert.Equal(8, next.Revision);
        Assert.Equal(["a", "c"], next.Resources.Keys.Select(k => k.Name).Order());
        Assert.Equal(7, next.Resources[new ResourceKey("Service", "default", "a")].Version);
        Assert.Equal(5, state.Revision); // the old state is untouched
        Assert.Equal(2, state.Resources.Count);
    }

    [Fact]
    public void Apply_BodyOfAnotherResource_ThrowsNamingTheKey()
    {
        var wire = WireResources.ToWire(Resource("a", 1));
        wire.Name = "b";
        var response = new Resources { Nonce = "1" };
        response.Resources_.Add(wire);

        var error = Assert.Throws<ResourceStateException>(() => ResourceState.Empty.Apply(response));

        Assert.Contains("Service/default/b", error.Message);
    }

    [Fact]
    public void HeldVersions_ListsEveryResourceWithItsVersion()
    {
        var state = ResourceState.FromResources(5, [Resource("a", 1), Resource("b", 2)]);

        var subscribe = state.HeldVersions(new Subscribe());

        Assert.Equal(new Dictionary<string, string> { ["Service/default/a"] = "1", ["Service/default/b"] = "2" }, subscribe.InitialResourceVersions);
    }

    [Fact]
    public async Task SaveAsync_ThenLoadAsync_RoundTripsRevisionAndResources()
    {
        var file = new StateFile(Path.Combine(_directory, "nested", "state.json"));
        var state = ResourceState.FromResources(42, [Resource("a", 40), Resource("b", 42)]);

        await file.SaveAsync(state, CancellationToken.None);
        var loaded = await file.LoadAsync(CancellationToken.None);

        Assert.NotNull(loaded);
        Assert.Equal(42, loaded.Revision);
        Assert.Equal(state.Resources.Keys.Select(k => k.ToString()).Order(), loaded.Resources.Keys.Select(k => k.ToString()).Order());
        Assert.Equal(80, loaded.Resources[new ResourceKey("Service", "default", "a")].Spec.GetProperty("port").GetInt32());
        Assert.False(File.Exists(file.Path + ".tmp"));
    }

    [Fact]
    public async Task LoadAsync_MissingFile_ReturnsNull()
    {
        Assert.Null(await new StateFile(Path.Combine(_directory, "none.json")).LoadAsync(CancellationToken.None));
    }

    [Fact]
    public async Task LoadAsync_CorruptFile_ThrowsNamingThePath()
    {
        var path = Path.Combine(_directory, "bad.json");
        await File.WriteAllTextAsync(path, "{ not json");

        var error = await Assert.ThrowsAsync<ResourceStateException>(() => new StateFile(path).LoadAsync(CancellationToken.None));

        Assert.Contains(path, error.Message);
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private static MeshResource Resource(string name, long version) => new()
    {
        ApiVersion = ResourceKinds.MeshApiVersion,
        Kind = ResourceKinds.Service,
        Metadata = new ResourceMetadata { Name = name, Namespace = "default", ResourceVersion = version },
        Spec = JsonSerializer.SerializeToElement(new { port = 80 }),
    };
}
