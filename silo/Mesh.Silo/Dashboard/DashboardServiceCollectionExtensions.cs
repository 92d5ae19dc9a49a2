namespace Mesh.Silo.Dashboard;

internal static class DashboardServiceCollectionExtensions
{
    /// <summary>Registers the dashboard's files, read from the <c>dashboard/</c> folder beside the silo assembly.</summary>
    public static IServiceCollection AddDashboard(this IServiceCollection services) =>
        services.AddSingleton(_ => new DashboardAssets(Path.Combine(AppContext.BaseDirectory, DashboardAssets.FolderName)));
}
