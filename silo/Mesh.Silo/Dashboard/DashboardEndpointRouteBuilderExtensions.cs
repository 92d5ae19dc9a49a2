using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;
using Microsoft.Net.Http.Headers;

namespace Mesh.Silo.Dashboard;

/// <summary>
/// <c>GET /dashboard</c> and its files, copied beside the silo assembly at build time (Dashboard.targets), served by
/// ASP.NET Core's static-file middleware. They are served without a token because they hold no data: the page reads
/// everything from <c>/api/v1</c>, which applies its own roles (and the page asks for a token when it gets a 401).
/// </summary>
internal static class DashboardEndpointRouteBuilderExtensions
{
    public const string FolderName = "dashboard";
    private const string RequestPath = "/dashboard";

    // The page loads only its own files and talks only to this silo; nothing may be framed or fetched from elsewhere.
    // Styles allow 'unsafe-inline' because the graph library positions its canvases with inline styles.
    private const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

    public static WebApplication MapDashboard(this WebApplication app)
    {
        var root = Path.Combine(AppContext.BaseDirectory, FolderName);
        if (!File.Exists(Path.Combine(root, "index.html")))
        {
            DashboardLog.AssetsMissing(app.Logger, root);
            return app;
        }

        // A physical provider rooted there refuses paths that climb out of it, so a request only ever reaches these files.
        var files = new PhysicalFileProvider(root);
        var types = new FileExtensionContentTypeProvider();
        // ES modules from npm ship as .mjs, which the default table does not know; browsers refuse a module without a JavaScript type.
        types.Mappings[".mjs"] = "text/javascript";
        types.Mappings[".js"] = "text/javascript";
        // /dashboard redirects to /dashboard/, which serves index.html.
        app.UseDefaultFiles(new DefaultFilesOptions { FileProvider = files, RequestPath = RequestPath });
        app.UseStaticFiles(new StaticFileOptions
        {
            FileProvider = files,
            RequestPath = RequestPath,
            ContentTypeProvider = types,
            OnPrepareResponse = context =>
            {
                var headers = context.Context.Response.Headers;
                headers[HeaderNames.ContentSecurityPolicy] = ContentSecurityPolicy;
                headers[HeaderNames.XContentTypeOptions] = "nosniff";
                headers["Referrer-Policy"] = "no-referrer";
                // Revalidate every time (ETag): after an upgrade the page and its modules must not mix versions.
                headers[HeaderNames.CacheControl] = "no-cache";
            },
        });
        return app;
    }
}
