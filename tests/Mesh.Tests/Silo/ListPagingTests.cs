using System.Net;
using System.Net.Http.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Silo.Api;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo;

/// <summary>Lists read in pages (limit, continue) and filtered by labels, through a real silo on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ListPagingTests(PostgresFixture postgres, ITestOutputHelper output) : IAsyncLifetime
{
    private SiloProcess _silo = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(await postgres.CreateDatabaseAsync("list_paging"), "silo-paging", output);
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));
        await _silo.Admin.PutServiceAsync(TestResources.Service("ratings"));
        for (var i = 0; i < 25; i++)
        {
            await _silo.Admin.RegisterAsync(new EndpointRegistration
            {
                Service = i % 5 == 0 ? "ratings" : "reviews",
                Address = $"10.0.0.{i}",
                Port = 9080,
                Labels = new Dictionary<string, string> { ["version"] = i % 2 == 0 ? "v1" : "v2", ["zone"] = "a" },
            });
        }
    }

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task ListEndpoints_FollowingMeshContinue_ReturnsEveryEndpointOnceInKeyOrder()
    {
        var all = await GetAsync<List<EndpointView>>("/api/v1/endpoints");
        var paged = new List<EndpointView>();
        var pages = 0;
        string? token = null;
        do
        {
            using var response = await _silo.Admin.GetAsync($"/api/v1/endpoints?limit=10{(token is null ? "" : "&continue=" + token)}");
            response.EnsureSuccessStatusCode();
            var page = (await response.Content.ReadFromJsonAsync<List<EndpointView>>(MeshJson.Options))!;
            Assert.InRange(page.Count, 1, 10);
            paged.AddRange(page);
            pages++;
            token = response.Headers.TryGetValues(ListPaging.ContinueHeader, out var values) ? values.Single() : null;
        }
        while (token is not null);

        Assert.Equal(25, all.Count);
        Assert.Equal(3, pages);
        Assert.Equal(all.Select(e => e.Name), paged.Select(e => e.Name));
        Assert.Equal(all.Select(e => e.Name).Order(StringComparer.Ordinal), paged.Select(e => e.Name));
    }

    [Fact]
    public async Task ListEndpoints_LabelSelectorAndService_FilterInTheStoreBeforePaging()
    {
        var v2 = await GetAsync<List<EndpointView>>("/api/v1/endpoints?labelSelector=version%3Dv2,zone%3Da");
        var ratingsV1 = await GetAsync<List<EndpointView>>("/api/v1/namespaces/default/endpoints?service=ratings&labelSelector=version%3D%3Dv1");
        using var firstPage = await _silo.Admin.GetAsync("/api/v1/endpoints?service=reviews&limit=20");
        var reviews = (await firstPage.Content.ReadFromJsonAsync<List<EndpointView>>(MeshJson.Options))!;

        Assert.Equal(12, v2.Count);
        Assert.All(v2, e => Assert.Equal("v2", e.Labels["version"]));
        Assert.Equal(3, ratingsV1.Count);
        Assert.All(ratingsV1, e => Assert.Equal(("ratings", "v1"), (e.Service, e.Labels["version"])));
        Assert.Equal(20, reviews.Count);
        Assert.False(firstPage.Headers.Contains(ListPaging.ContinueHeader), "exactly 20 reviews endpoints exist: no further page");
    }

    [Fact]
    public async Task ListServicesAndResources_Limit_PagesLikeEndpoints()
    {
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("a-route", "reviews"));
        await _silo.Admin.PutResourceAsync(TestResources.VirtualService("b-route", "ratings"));

        using var services = await _silo.Admin.GetAsync("/api/v1/services?limit=1");
        var first = (await services.Content.ReadFromJsonAsync<List<MeshResource>>(MeshJson.Options))!;
        var token = services.Headers.GetValues(ListPaging.ContinueHeader).Single();
        var rest = await GetAsync<List<MeshResource>>($"/api/v1/services?continue={token}");
        using var routes = await _silo.Admin.GetAsync("/api/v1/namespaces/default/resources/VirtualService?limit=1");
        var route = Assert.Single((await routes.Content.ReadFromJsonAsync<List<MeshResource>>(MeshJson.Options))!);

        Assert.Equal(["ratings", "reviews"], first.Concat(rest).Select(s => s.Metadata.Name));
        Assert.Equal("a-route", route.Metadata.Name);
        Assert.True(routes.Headers.Contains(ListPaging.ContinueHeader));
    }

    [Theory]
    [InlineData("/api/v1/endpoints?limit=0", "limit")]
    [InlineData("/api/v1/endpoints?limit=10001", "limit")]
    [InlineData("/api/v1/endpoints?limit=ten", "limit")]
    [InlineData("/api/v1/endpoints?continue=not-a-token", "continue")]
    [InlineData("/api/v1/services?labelSelector=version", "labelSelector")]
    [InlineData("/api/v1/services?labelSelector=version!%3Dv1", "labelSelector")]
    public async Task List_BadParameter_Is400NamingIt(string path, string field)
    {
        using var response = await _silo.Admin.GetAsync(path);
        var error = await response.Content.ReadFromJsonAsync<ErrorResponse>(MeshJson.Options);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(field, error!.Field);
    }

    [Fact]
    public async Task List_ContinueTokenOfAnotherKind_Is400()
    {
        using var endpoints = await _silo.Admin.GetAsync("/api/v1/endpoints?limit=1");
        var token = endpoints.Headers.GetValues(ListPaging.ContinueHeader).Single();

        using var services = await _silo.Admin.GetAsync($"/api/v1/services?continue={token}");

        Assert.Equal(HttpStatusCode.BadRequest, services.StatusCode);
        Assert.Contains("Service list", await services.Content.ReadAsStringAsync());
    }

    private async Task<T> GetAsync<T>(string path) => (await _silo.Admin.GetFromJsonAsync<T>(path, MeshJson.Options))!;
}
