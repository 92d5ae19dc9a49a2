using Mesh.Contracts.Registry;

namespace Mesh.Storage.InMemory;

/// <summary>Passive-health reports, under the same lock as subscribers so a departing reporter's rows go with it.</summary>
internal sealed partial class InMemoryMeshStore
{
    private readonly Dictionary<(string Reporter, string Namespace, string Endpoint), OutlierReport> _outlierReports = [];

    public Task UpsertOutlierReportAsync(OutlierReport report, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _outlierReports[(report.Reporter, report.Namespace, report.Endpoint)] = report;
        }

        return Task.CompletedTask;
    }

    public Task RemoveOutlierReportAsync(string reporter, string @namespace, string endpoint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _outlierReports.Remove((reporter, @namespace, endpoint));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<OutlierReport>> ListOutlierReportsAsync(string? @namespace, string? endpoint, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<OutlierReport>>(_outlierReports.Values
                .Where(r => (@namespace is null || r.Namespace == @namespace) && (endpoint is null || r.Endpoint == endpoint))
                .OrderBy(r => r.Namespace, StringComparer.Ordinal)
                .ThenBy(r => r.Endpoint, StringComparer.Ordinal)
                .ThenBy(r => r.Reporter, StringComparer.Ordinal)
                .ToList());
        }
    }

    private void DropReportsLocked(string reporter)
    {
        foreach (var key in _outlierReports.Keys.Where(k => k.Reporter == reporter).ToList())
        {
            _outlierReports.Remove(key);
        }
    }
}
