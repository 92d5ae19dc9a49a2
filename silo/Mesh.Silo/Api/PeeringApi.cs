using Mesh.Contracts.Federation;
using Mesh.Silo.Federation;

namespace Mesh.Silo.Api;

/// <summary>Peering with other silo clusters under <c>/api/v1/peerings</c> (docs/federation.md).</summary>
internal static class PeeringApi
{
    public static void MapPeeringApi(this RouteGroupBuilder api, RouteGroupBuilder writes)
    {
        api.MapGet("/peerings", (PeeringService peerings, CancellationToken ct) => peerings.ListAsync(ct));
        api.MapGet("/peerings/{name}", (string name, PeeringService peerings, CancellationToken ct) => peerings.GetAsync(name, ct));
        writes.MapPost("/peerings/tokens", async (HttpRequest request, PeeringService peerings, SiloOptions options, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadJsonAsync<CreatePeeringTokenRequest>(request, options, ct);
            return Results.Json(await peerings.CreateTokenAsync(body, ct), statusCode: StatusCodes.Status201Created);
        });
        writes.MapPost("/peerings", async (HttpRequest request, PeeringService peerings, SiloOptions options, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadJsonAsync<JoinPeeringRequest>(request, options, ct);
            var view = await peerings.JoinAsync(body, ct);
            return Results.Created($"/api/v1/peerings/{view.Name}", view);
        });
        writes.MapDelete("/peerings/{name}", async (string name, PeeringService peerings, CancellationToken ct) =>
        {
            await peerings.DeleteAsync(name, ct);
            return Results.NoContent();
        });
    }
}
