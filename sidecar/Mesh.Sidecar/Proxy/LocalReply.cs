using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace Mesh.Sidecar.Proxy;

/// <summary>Responses the sidecar produces itself (no route, overflow, rate limit, faults), Envoy-style plain text.</summary>
internal static class LocalReply
{
    /// <param name="retryAfterSeconds">For a refusal the client may retry later: its <c>Retry-After</c>.</param>
    public static Task WriteAsync(HttpContext context, int status, string? body, int? retryAfterSeconds = null)
    {
        if (context.Response.HasStarted)
        {
            return Task.CompletedTask;
        }

        context.Response.Clear();
        context.Response.StatusCode = status;
        if (retryAfterSeconds is { } retryAfter)
        {
            context.Response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (string.IsNullOrEmpty(body))
        {
            context.Response.ContentLength = 0;
            return Task.CompletedTask;
        }

        var bytes = Encoding.UTF8.GetBytes(body);
        context.Response.ContentType = "text/plain";
        context.Response.ContentLength = bytes.Length;
        return context.Response.Body.WriteAsync(bytes, context.RequestAborted).AsTask();
    }

    public static void Redirect(HttpContext context, Routing.Model.RedirectConfig redirect)
    {
        var request = context.Request;
        var scheme = redirect.Scheme ?? request.Scheme;
        var authority = redirect.Authority ?? request.Host.Host;
        var port = redirect.Port is { } p ? $":{p}" : redirect.Authority is null && request.Host.Port is { } original ? $":{original}" : "";
        var path = redirect.Uri ?? request.Path.Value ?? "/";
        context.Response.StatusCode = redirect.Code;
        context.Response.Headers[HeaderNames.Location] = $"{scheme}://{authority}{port}{path}{request.QueryString}";
        context.Response.ContentLength = 0;
    }

    /// <summary>
    /// Answers 400 when forwarding failed because the client's own body was malformed (bad chunk framing): the
    /// client's fault, so not a 503, not retried and not held against the endpoint. False for any other error.
    /// </summary>
    public static async ValueTask<bool> RefusedBadBodyAsync(HttpContext context, Yarp.ReverseProxy.Forwarder.ForwarderError error)
    {
        if (error != Yarp.ReverseProxy.Forwarder.ForwarderError.RequestBodyClient)
        {
            return false;
        }

        await WriteAsync(context, StatusCodes.Status400BadRequest, "malformed request body");
        return true;
    }

    /// <summary>True when the request may carry a body that could not be replayed for a retry or copied for a mirror.</summary>
    public static bool CanHaveBody(HttpContext context) =>
        context.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpRequestBodyDetectionFeature>()?.CanHaveBody ?? context.Request.ContentLength > 0;
}
