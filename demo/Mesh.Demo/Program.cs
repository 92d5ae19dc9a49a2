// A tiny workload for the local mesh: answers with its service name and version, and can call another service
// through its sidecar's outbound port (HTTP_PROXY), the way an unmodified application would.
var builder = WebApplication.CreateBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
var service = builder.Configuration["service"] ?? "demo";
var version = builder.Configuration["version"] ?? "v1";
var proxy = Environment.GetEnvironmentVariable("HTTP_PROXY");
builder.Services.AddHttpClient("mesh").ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
{
    UseProxy = proxy is not null,
    Proxy = proxy is null ? null : new System.Net.WebProxy(proxy),
});

var app = builder.Build();
app.MapGet("/", () => Results.Json(new { service, version }));
app.MapGet("/call/{target}", async (string target, HttpRequest request, IHttpClientFactory clients) =>
{
    using var call = new HttpRequestMessage(HttpMethod.Get, $"http://{target}/");
    foreach (var header in new[] { "end-user", "traceparent" })
    {
        if (request.Headers.TryGetValue(header, out var value))
        {
            call.Headers.TryAddWithoutValidation(header, value.ToString());
        }
    }

    using var response = await clients.CreateClient("mesh").SendAsync(call);
    return Results.Json(new { service, version, upstream = (int)response.StatusCode, body = await response.Content.ReadAsStringAsync() });
});
app.Run();
