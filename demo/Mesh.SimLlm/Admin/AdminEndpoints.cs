using System.Text.Json;
using Mesh.SimLlm.Api;
using Mesh.SimLlm.Engine;
using Mesh.SimLlm.Failures;
using Mesh.SimLlm.Hosting;

namespace Mesh.SimLlm.Admin;

/// <summary>Test controls: the failure switch, and the ground-truth totals that tests assert token accounting against.</summary>
internal static class AdminEndpoints
{
    public static void MapAdmin(this WebApplication app)
    {
        app.MapGet("/admin/stats", (SimEngine engine) => Results.Json(Stats(engine), AdminJsonContext.Default.AdminStats));
        app.MapGet("/admin/failure", (FailureSwitch failures) => Results.Json(State(failures.Settings), AdminJsonContext.Default.FailureState));
        app.MapPost("/admin/failure", SetFailureAsync);
    }

    public static AdminStats Stats(SimEngine engine)
    {
        var inUse = engine.Scheduler.BlocksInUse;
        return new AdminStats(engine.Stats.Snapshot(), engine.Scheduler.Running, engine.Scheduler.Waiting, inUse, engine.Cache.Capacity,
            KvCacheUsage(inUse, engine.Cache.Capacity), engine.Cache.Count);
    }

    /// <summary>Blocks held by running sequences over capacity, capped at 1 (prefixes shared by sequences count once per sequence).</summary>
    public static double KvCacheUsage(long blocksInUse, int capacity) => Math.Min(1.0, blocksInUse / (double)capacity);

    private static async Task<IResult> SetFailureAsync(HttpRequest request, FailureSwitch failures, ILogger<FailureSwitch> logger, CancellationToken cancellationToken)
    {
        var (document, error) = await JsonBody.ParseAsync(request, cancellationToken);
        if (document is null)
        {
            return Bad(error!.Message);
        }

        using (document)
        {
            var root = document.RootElement;
            var current = failures.Settings;
            var mode = current.Mode;
            if (root.TryGetProperty("mode", out var modeValue))
            {
                if (FailureModes.Parse(modeValue.ValueKind == JsonValueKind.String ? modeValue.GetString() : null) is not { } parsed)
                {
                    return Bad($"mode must be one of {FailureModes.Names}, got {modeValue.GetRawText()}");
                }

                mode = parsed;
            }

            var retryAfter = current.RetryAfterSeconds;
            if (root.TryGetProperty("retryAfterSeconds", out var retryValue)
                && !(retryValue.ValueKind == JsonValueKind.Number && retryValue.TryGetInt32(out retryAfter) && retryAfter is >= 0 and <= 86400))
            {
                return Bad($"retryAfterSeconds must be an integer 0..86400, got {retryValue.GetRawText()}");
            }

            var probability = current.Probability;
            if (root.TryGetProperty("probability", out var probabilityValue)
                && !(probabilityValue.ValueKind == JsonValueKind.Number && probabilityValue.TryGetDouble(out probability) && probability is >= 0 and <= 1))
            {
                return Bad($"probability must be a number 0..1, got {probabilityValue.GetRawText()}");
            }

            var settings = new FailureSettings(mode, retryAfter, probability);
            failures.Set(settings);
            SimLlmLog.FailureSet(logger, FailureModes.Name(mode), probability, retryAfter);
            return Results.Json(State(settings), AdminJsonContext.Default.FailureState);
        }
    }

    private static FailureState State(FailureSettings settings) =>
        new(FailureModes.Name(settings.Mode), settings.RetryAfterSeconds, settings.Probability);

    private static IResult Bad(string message) =>
        Results.Json(new AdminError(message), AdminJsonContext.Default.AdminError, statusCode: StatusCodes.Status400BadRequest);
}
