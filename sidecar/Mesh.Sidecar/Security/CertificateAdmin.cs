using Mesh.Sidecar.Hosting;
using System.Text.Json;
using Mesh.Contracts.Json;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Admin view of the workload certificate (<c>GET /certs</c>: SPIFFE ID, serial, validity, bundle thumbprints; never
/// key material) and <c>POST /certs/rotate</c>, which renews at once: the "re-issue" step of a root rotation.
/// </summary>
internal sealed class CertificateAdmin(CertificateStore store, CertificateRotator rotator)
{
    public async Task HandleAsync(HttpContext context)
    {
        var response = context.Response;
        if (context.Request.Path.Value == "/certs/rotate")
        {
            if (!HttpMethods.IsPost(context.Request.Method))
            {
                response.StatusCode = StatusCodes.Status405MethodNotAllowed;
                return;
            }

            if (store.Identity is null)
            {
                await Proxy.LocalReply.WriteAsync(context, StatusCodes.Status409Conflict, "no workload certificate: the sidecar was started without --join-token");
                return;
            }

            try
            {
                await rotator.RenewAsync(context.RequestAborted);
            }
            catch (Registration.SiloApiException ex)
            {
                await Proxy.LocalReply.WriteAsync(context, StatusCodes.Status502BadGateway, $"renewal failed: {ex.Message}");
                return;
            }
        }

        var identity = store.Identity;
        response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(response.Body, new CertsView(
            identity?.Id.ToString(), identity?.SerialNumber, identity?.NotBefore, identity?.NotAfter,
            identity?.Certificate.Issuer, [.. store.TrustBundle.Roots.Select(r => r.Thumbprint)]), SidecarJson.Options.TypeInfo<CertsView>(), context.RequestAborted);
    }

    internal sealed record CertsView(string? SpiffeId, string? SerialNumber, DateTimeOffset? NotBefore, DateTimeOffset? NotAfter, string? Issuer, IReadOnlyList<string> TrustBundle);
}
