namespace Mesh.Cli.Configuration;

/// <summary>
/// Where the silo is and how to authenticate. Precedence: flags, then <c>MESH_SERVER</c>/<c>MESH_TOKEN</c>, then the
/// config file (<c>MESH_CONFIG</c> or <c>~/.mesh/config.yaml</c>), then the default server address.
/// </summary>
internal sealed record CliSettings
{
    public const string DefaultServer = "http://127.0.0.1:5000";

    public Uri Server { get; init; } = new(DefaultServer);

    /// <summary>Bearer token for the admin API. Never printed.</summary>
    public string? Token { get; init; }

    /// <summary>Where the server address came from, for error messages ("from MESH_SERVER").</summary>
    public string ServerSource { get; init; } = "default";

    public static CliSettings Resolve(string? serverFlag, string? tokenFlag, Func<string, string?> environment)
    {
        var file = ConfigFile.Load(environment);
        var (server, source) = First(
            (serverFlag, "--server"),
            (environment("MESH_SERVER"), "MESH_SERVER"),
            (file?.Server, file?.Path),
            (DefaultServer, "default"));
        var token = First((tokenFlag, ""), (environment("MESH_TOKEN"), ""), (file?.Token, ""), (null, "")).Value;
        return new CliSettings { Server = ParseServer(server!, source!), Token = token, ServerSource = source! };
    }

    private static (string? Value, string? Source) First(params (string? Value, string? Source)[] candidates) =>
        candidates.FirstOrDefault(c => !string.IsNullOrWhiteSpace(c.Value), candidates[^1]);

    private static Uri ParseServer(string value, string source)
    {
        var text = value.Trim();
        if (!text.Contains("://", StringComparison.Ordinal))
        {
            text = "http://" + text;
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new CliException(ExitCodes.UserError, $"server address '{value}' (from {source}) is not an http(s) URL");
        }

        return uri;
    }
}
