using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Cli.Configuration;

/// <summary>The optional config file: a YAML mapping with <c>server:</c> and <c>token:</c>.</summary>
internal sealed record ConfigFile(string Path, string? Server, string? Token)
{
    /// <summary>Reads <c>MESH_CONFIG</c> (which must exist) or <c>~/.mesh/config.yaml</c> (if it exists).</summary>
    public static ConfigFile? Load(Func<string, string?> environment)
    {
        var explicitPath = environment("MESH_CONFIG");
        var home = environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var path = string.IsNullOrWhiteSpace(explicitPath) ? System.IO.Path.Combine(home, ".mesh", "config.yaml") : explicitPath;
        if (!File.Exists(path))
        {
            return string.IsNullOrWhiteSpace(explicitPath)
                ? null
                : throw new CliException(ExitCodes.UserError, $"config file '{path}' (from MESH_CONFIG) does not exist");
        }

        try
        {
            return Parse(path, File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.UserError, $"cannot read config file '{path}': {e.Message}");
        }
    }

    private static ConfigFile Parse(string path, string text)
    {
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw new CliException(ExitCodes.UserError, $"config file '{path}' line {e.Start.Line}: invalid YAML: {e.InnerException?.Message ?? e.Message}");
        }

        if (stream.Documents.Count == 0)
        {
            return new ConfigFile(path, null, null);
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new CliException(ExitCodes.UserError, $"config file '{path}' must be a mapping with 'server:' and 'token:'");
        }

        return new ConfigFile(path, Scalar(root, "server", path), Scalar(root, "token", path));
    }

    private static string? Scalar(YamlMappingNode root, string key, string path) =>
        root.Children.TryGetValue(new YamlScalarNode(key), out var node)
            ? node is YamlScalarNode scalar
                ? scalar.Value
                : throw new CliException(ExitCodes.UserError, $"config file '{path}': '{key}' must be a string")
            : null;
}
