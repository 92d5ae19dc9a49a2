namespace Mesh.Cli;

/// <summary>meshctl's exit codes; cli/README.md documents them for scripts.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>Invalid input (file, YAML, validation) or a 4xx answer other than 404.</summary>
    public const int UserError = 1;

    /// <summary>The command line itself is wrong (unknown command or option, missing argument).</summary>
    public const int Usage = 2;

    /// <summary><c>analyze</c> found warnings but no errors.</summary>
    public const int Warnings = 3;

    /// <summary>The silo (or sidecar admin port) could not be reached, or answered 5xx.</summary>
    public const int Unavailable = 4;

    /// <summary>The thing asked for does not exist (404).</summary>
    public const int NotFound = 5;
}

/// <summary>A failure with a message for the user and the exit code it maps to; never shown as a stack trace.</summary>
internal sealed class CliException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;

    /// <summary>Retrying the next resource is pointless (silo down, token refused): batch commands stop here.</summary>
    public bool Fatal { get; init; } = exitCode == ExitCodes.Unavailable;
}
