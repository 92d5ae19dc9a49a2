using Mesh.Istio.Analysis;
using Mesh.Istio.Validation;
using Mesh.Storage.Abstractions;

namespace Mesh.Silo.Api;

/// <summary>
/// <c>GET /api/v1/analysis[?namespace=]</c>: what <c>meshctl analyze</c> reports, for the configuration the silo stores.
/// With a namespace, its resources are analyzed against everything stored (references may cross namespaces).
/// </summary>
internal static class AnalysisApi
{
    public static void MapAnalysisApi(this RouteGroupBuilder api) =>
        api.MapGet("/analysis", async (string? @namespace, IMeshStore store, CancellationToken ct) =>
        {
            if (@namespace is not null && InputValidation.CheckDnsLabel(@namespace) is { } problem)
            {
                throw new ApiValidationException("namespace", problem);
            }

            var stored = (await store.ReadSnapshotAsync(ct)).Resources.Select(s => s.Resource).ToList();
            var analyzed = @namespace is null ? stored : stored.Where(r => r.Key.Namespace == @namespace).ToList();
            var findings = ConfigAnalyzer.Analyze(analyzed, stored).Select(Finding).ToList();
            return new AnalysisReport(@namespace, findings);
        });

    private static AnalysisFinding Finding(ValidationMessage message) => new(
        message.Severity.ToString(),
        message.Code,
        message.Resource,
        message.Path,
        message.Resource is { } resource && message.Message.StartsWith(resource + ": ", StringComparison.Ordinal) ? message.Message[(resource.Length + 2)..] : message.Message);
}

/// <summary>The analysis of the stored configuration: every finding, in <c>istioctl analyze -o json</c>'s spirit.</summary>
internal sealed record AnalysisReport(string? Namespace, IReadOnlyList<AnalysisFinding> Messages);

/// <summary>One finding: level (Error, Warning, Info), code (ISTxxxx or MESHxxx), "Kind ns/name", field path and istioctl's text.</summary>
internal sealed record AnalysisFinding(string Level, string Code, string? Resource, string Path, string Message);
