using Microsoft.Net.Http.Headers;

namespace Mesh.Silo.Dashboard;

/// <summary>
/// <c>GET /dashboard</c> and its files. They are served without a token because they hold no data: the page reads
/// everything from <c>/api/v1</c>, which applies its own roles (and the page asks for a token when it gets a 401).
/// </summary>
internal static class DashboardEndpointRouteBuilderExtensions
{
    // The page loads only its own files and talks only to this silo; nothing may be framed or fetched from elsewhere.
    // Styles allow 'unsafe-inline' because the graph library positions its canvases with inline styles.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var assets = app.Services.GetRequiredService<DashboardAssets>();
        if (!assets.IsInstalled)
        {
            DashboardLog.AssetsMissing(app.Logger, assets.Root);
        }

        app.MapGet("/dashboard", (HttpContext context) => Serve(context, assets, "index.html")).ExcludeFromDescription();
        app.MapGet("/dashboard/{**path}", (string? path, HttpContext context) => Serve(context, assets, string.IsNullOrEmpty(path) ? "index.html" : path))
            .ExcludeFromDescription();
        return app;
    }

    private static IResult Serve(HttpContext context, DashboardAssets assets, string path)
    {
        if (assets.Find(path) is not { } found)
        {
            return Results.Text(
                assets.IsInstalled ? $"no dashboard file '{Clip(path)}'" : "the dashboard is not installed next to this silo (build the silo with Node.js and npm present)",
                statusCode: StatusCodes.Status404NotFound);
        }

        var headers = context.Response.Headers;
        headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
        headers[HeaderNames.XContentTypeOptions] = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        // Revalidate every time: after an upgrade the page and its modules must not mix versions.
        headers[HeaderNames.CacheControl] = "no-cache";
        return Results.File(found.File.CreateReadStream(), found.ContentType, lastModified: found.File.LastModified, enableRangeProcessing: false);
    }

    private static string Clip(string text) => text.Length <= 80 ? text : text[..80] + "...";
}
