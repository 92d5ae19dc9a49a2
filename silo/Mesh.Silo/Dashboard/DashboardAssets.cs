using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Extensions.FileProviders;

namespace Mesh.Silo.Dashboard;

/// <summary>
/// The dashboard's files, copied next to the silo assembly at build time (Dashboard.targets). A physical provider
/// rooted there refuses paths that climb out of it, so a request can only ever reach these files.
/// </summary>
internal sealed class DashboardAssets : IDisposable
{
    public const string FolderName = "dashboard";

    private readonly PhysicalFileProvider? _files;
    private readonly FileExtensionContentTypeProvider _contentTypes = new();

    public DashboardAssets(string root)
    {
        Root = root;
        _files = Directory.Exists(root) ? new PhysicalFileProvider(root) : null;
        // ES modules from npm ship as .mjs, which the default table does not know; browsers refuse a module without a JavaScript type.
        _contentTypes.Mappings[".mjs"] = "text/javascript";
        _contentTypes.Mappings[".js"] = "text/javascript";
    }

    public string Root { get; }

    public bool IsInstalled => _files is not null && _files.GetFileInfo("index.html").Exists;

    /// <summary>The file at <paramref name="relativePath"/> and its content type, or null when there is none.</summary>
    public (IFileInfo File, string ContentType)? Find(string relativePath)
    {
        if (_files is null || relativePath.Length == 0)
        {
            return null;
        }

        var file = _files.GetFileInfo(relativePath);
        if (!file.Exists || file.IsDirectory)
        {
            return null;
        }

        return (file, _contentTypes.TryGetContentType(file.Name, out var type) ? type : "application/octet-stream");
    }

    public void Dispose() => _files?.Dispose();
}
