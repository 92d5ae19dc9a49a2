namespace Mesh.SimLlm.Failures;

internal enum FailureMode
{
    None,
    TooManyRequests,
    ServiceUnavailable,
    HangBeforeFirstToken,
}

/// <summary>The failure switch's state, as set at start and by <c>POST /admin/failure</c>.</summary>
internal sealed record FailureSettings(FailureMode Mode, int RetryAfterSeconds, double Probability);

/// <summary>The wire names of <see cref="FailureMode"/>.</summary>
internal static class FailureModes
{
    public const FailureMode None = FailureMode.None;

    public const string Names = "none, 429, 503, hang-before-first-token";

    public static FailureMode? Parse(string? name) => name switch
    {
        "none" => FailureMode.None,
        "429" => FailureMode.TooManyRequests,
        "503" => FailureMode.ServiceUnavailable,
        "hang-before-first-token" => FailureMode.HangBeforeFirstToken,
        _ => null,
    };

    public static string Name(FailureMode mode) => mode switch
    {
        FailureMode.TooManyRequests => "429",
        FailureMode.ServiceUnavailable => "503",
        FailureMode.HangBeforeFirstToken => "hang-before-first-token",
        _ => "none",
    };
}
