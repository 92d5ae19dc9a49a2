using Mesh.Contracts.Registry;

namespace Mesh.Storage.Abstractions;

/// <summary>
/// Passive-health reports from sidecars (<c>mesh_outlier_reports</c>), one row per reporter and endpoint, so every
/// silo can show which sidecars eject which endpoints. Writing a report never creates a revision. A reporter's rows
/// disappear with its subscriber row (<see cref="IMeshStore.RemoveSubscribersAsync"/>, stale or removed members).
/// Implemented by every <see cref="IMeshStore"/>.
/// </summary>
public interface IOutlierReportStore
{
    /// <summary>Creates or replaces the row of <see cref="OutlierReport.Reporter"/> for that endpoint.</summary>
    Task UpsertOutlierReportAsync(OutlierReport report, CancellationToken cancellationToken);

    /// <summary>Deletes the reporter's row for the endpoint; a missing row is a no-op.</summary>
    Task RemoveOutlierReportAsync(string reporter, string @namespace, string endpoint, CancellationToken cancellationToken);

    /// <summary>Reports, optionally of one namespace and one endpoint, ordered by namespace, endpoint, reporter.</summary>
    Task<IReadOnlyList<OutlierReport>> ListOutlierReportsAsync(string? @namespace, string? endpoint, CancellationToken cancellationToken);
}
