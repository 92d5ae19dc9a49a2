using Mesh.Security.Authorization;
using Mesh.Security.Jwt;
using Mesh.Sidecar.Hosting;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Per-request inbound enforcement, in Envoy's filter order: peer authentication (mode vs. transport), then
/// RequestAuthentication (an invalid JWT is 401, a missing one passes), then AuthorizationPolicy (403
/// <c>RBAC: access denied</c>) over the peer's SPIFFE ID, the connection and the request.
/// </summary>
internal sealed class InboundGuard(SecurityConfig security, InboundTls tls, SidecarOptions options)
{
    /// <summary>The verified SPIFFE ID of the caller's certificate, or null for plaintext.</summary>
    public Mesh.Security.Identity.SpiffeId? PeerOf(HttpContext context)
    {
        if (!security.Enabled)
        {
            return null;
        }

        var peer = tls.PeerOf(context.Connection.ClientCertificate, out var untrustedNow);
        if (untrustedNow)
        {
            // The handshake accepted this certificate, but it no longer chains to a trusted root (a retired root, or a
            // peer cluster's roots removed with its peering). The request in hand was sent under that handshake and is
            // served; the connection then closes, so the next request needs a new handshake, which fails or presents
            // the caller's new certificate. Nothing fails during a rotation, and nothing lingers after a removal.
            context.Features.Get<Microsoft.AspNetCore.Connections.Features.IConnectionLifetimeNotificationFeature>()?.RequestClose();
        }

        return peer;
    }

    /// <summary>Returns null to forward, or the status it already answered (0 when it dropped the connection).</summary>
    public async ValueTask<int?> CheckAsync(HttpContext context, Mesh.Security.Identity.SpiffeId? peer)
    {
        if (!security.Enabled)
        {
            return null;
        }

        var policy = security.Current;
        var refused = policy.Mode switch
        {
            Routing.Model.MtlsMode.Strict => peer is null ? "STRICT requires a verified client certificate" : null,
            // By the connection, not Request.IsHttps: an HTTP/2 request over the mesh's TLS says :scheme http.
            Routing.Model.MtlsMode.Disable => context.Features.Get<Microsoft.AspNetCore.Http.Features.ITlsConnectionFeature>() is not null
                ? "TLS refused: PeerAuthentication DISABLE"
                : null,
            _ => null,
        };
        if (refused is not null)
        {
            // Envoy fails the handshake; the nearest an established connection gets is being dropped.
            context.Abort();
            return 0;
        }

        JwtResult jwt = JwtResult.NoToken;
        if (policy.Jwt is { } authenticator)
        {
            var request = context.Request;
            jwt = await authenticator.AuthenticateAsync(
                new TokenSources(n => request.Headers[n].FirstOrDefault(), n => request.Query[n].FirstOrDefault(), n => request.Cookies[n]),
                context.RequestAborted);
            if (jwt.Status == JwtStatus.Invalid)
            {
                await Proxy.LocalReply.WriteAsync(context, StatusCodes.Status401Unauthorized, "Jwt verification fails");
                return StatusCodes.Status401Unauthorized;
            }

            ApplyJwtOutputs(request, jwt);
        }

        if (policy.Authorizer is { } authorizer)
        {
            var decision = authorizer.Evaluate(ContextOf(context, peer?.Principal, jwt));
            if (!decision.Allowed)
            {
                await Proxy.LocalReply.WriteAsync(context, StatusCodes.Status403Forbidden, AuthorizationDecision.DeniedBody);
                return StatusCodes.Status403Forbidden;
            }
        }

        return null;
    }

    private RequestContext ContextOf(HttpContext context, string? principal, JwtResult jwt)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(request.Headers.Count, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in request.Headers)
        {
            headers[name] = value.ToString();
        }

        return new RequestContext
        {
            Principal = principal,
            SourceIp = context.Connection.RemoteIpAddress,
            DestinationIp = context.Connection.LocalIpAddress,
            DestinationPort = options.AppPort ?? context.Connection.LocalPort,
            Method = request.Method,
            Path = request.Path.Value ?? "/",
            Host = request.Host.Value,
            Sni = context.Features.Get<Microsoft.AspNetCore.Connections.Features.ITlsHandshakeFeature>()?.HostName,
            Headers = headers,
            RequestPrincipal = jwt.RequestPrincipal,
            Claims = jwt.Claims,
        };
    }

    /// <summary>Istio strips the token unless <c>forwardOriginalToken</c>, and can copy the payload to a header.</summary>
    private static void ApplyJwtOutputs(HttpRequest request, JwtResult jwt)
    {
        if (!jwt.IsValid || jwt.Rule is not { } rule)
        {
            return;
        }

        if (!rule.ForwardOriginalToken && jwt.Location is { Kind: TokenLocationKind.Header } location)
        {
            request.Headers.Remove(location.Name);
        }

        if (!string.IsNullOrEmpty(rule.OutputPayloadToHeader) && jwt.PayloadSegment is { } payload)
        {
            request.Headers[rule.OutputPayloadToHeader] = payload;
        }
    }
}
