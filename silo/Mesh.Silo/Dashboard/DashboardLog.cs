namespace Mesh.Silo.Dashboard;

internal static partial class DashboardLog
{
    [LoggerMessage(EventId = 800, Level = LogLevel.Warning, Message = "Dashboard files not found in {Root}; /dashboard answers 404 (the silo was built without Node.js/npm?)")]
    public static partial void AssetsMissing(ILogger logger, string root);
}
