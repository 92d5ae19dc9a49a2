using Mesh.Security.Identity;
using Mesh.Silo.Certificates;
using Mesh.Silo.Credentials;

namespace Mesh.Silo.Api;

/// <summary>
/// Namespace credentials under <c>/api/v1/namespaces/{ns}/credentials</c>, what Istio's <c>credentialName</c> names:
/// stored and deleted with the admin role, listed and described (never the key) with the read role. Only a workload of
/// the same namespace fetches the key, proving its SVID by a TLS client certificate or a <see cref="PossessionProof"/>,
/// as Istio lets a gateway read the secrets of its own namespace.
/// </summary>
internal static class CredentialsApi
{
    public static void MapCredentialsApi(this RouteGroupBuilder api, RouteGroupBuilder writes, RouteGroupBuilder open)
    {
        const string Path = "/namespaces/{ns}/credentials";
        api.MapGet(Path, (string ns, CredentialService credentials, CancellationToken ct) => credentials.ListAsync(ns, ct));
        api.MapGet(Path + "/{name}", (string ns, string name, CredentialService credentials, CancellationToken ct) => credentials.GetAsync(ns, name, ct));
        writes.MapPut(Path + "/{name}", async (string ns, string name, HttpRequest request, CredentialService credentials, SiloOptions options, CancellationToken ct) =>
        {
            var body = await RequestBody.ReadJsonAsync<CredentialInput>(request, options, ct);
            var (view, replaced) = await credentials.PutAsync(ns, name, body, ct);
            return Results.Json(view, statusCode: replaced ? StatusCodes.Status200OK : StatusCodes.Status201Created);
        });
        writes.MapDelete(Path + "/{name}", async (string ns, string name, CredentialService credentials, CancellationToken ct) =>
        {
            await credentials.DeleteAsync(ns, name, ct);
            return Results.NoContent();
        });
        open.MapPost(Path + "/{name}/fetch", FetchAsync);
    }

    private static async Task<CredentialMaterial> FetchAsync(string ns, string name, HttpRequest request, CredentialService credentials,
        CertificateRequestAuthenticator authenticator, CertificateAuthorityService ca, SiloOptions options, TimeProvider timeProvider, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<FetchRequest>(request, options, ct);
        var roots = await ca.RequireBundleAsync(ct);
        var (leaf, identity, fromTls) = authenticator.AuthenticateSvid(request.HttpContext, body.Certificate, roots, options.Ca.TrustDomain, "certificate");
        if (leaf is null || identity is null)
        {
            throw new ApiStatusException(401, "the workload's SVID is required, as a TLS client certificate or as certificate with timestamp and signature", "certificate");
        }

        if (!fromTls && PossessionProof.Check(leaf, PossessionProof.CredentialFetch, $"{ns}/{name}", body.Timestamp ?? 0, body.Signature, timeProvider.GetUtcNow()) is { } problem)
        {
            throw new ApiStatusException(401, $"proof of the SVID's key refused: {problem}", "signature");
        }

        return identity.Namespace == ns
            ? await credentials.OpenAsync(ns, name, ct)
            : throw new ApiStatusException(403, $"identity {identity} may read the credentials of namespace '{identity.Namespace}' only, not '{ns}'", "namespace");
    }

    private sealed record FetchRequest(string? Certificate, long? Timestamp, string? Signature);
}
