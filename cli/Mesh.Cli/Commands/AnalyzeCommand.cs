using System.CommandLine;
using System.Text.Json;
using Mesh.Cli.Client;
using Mesh.Cli.Input;
using Mesh.Cli.Kinds;
using Mesh.Contracts.Resources;
using Mesh.Istio.Analysis;
using Mesh.Istio.Validation;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>meshctl analyze -f FILE|DIR [--cluster]</c>: validation errors and coded warnings (IST0101, ...) like
/// <c>istioctl analyze</c>. Offline by default; <c>--cluster</c> resolves references against the silo's resources too.
/// Exit 0 clean, 3 warnings only, 1 errors.
/// </summary>
internal static class AnalyzeCommand
{
    public static Command Create(GlobalOptions options)
    {
        var files = GlobalOptions.FileOption("File, directory or '-' to analyze; repeatable");
        files.Required = true;
        var cluster = new Option<bool>("--cluster") { Description = "Also fetch the silo's services and config to resolve references" };
        var command = new Command("analyze", "Find errors and likely mistakes in Istio configuration") { files, cluster };
        options.SetAction(command, async (parse, ct) =>
        {
            var (loaded, errors) = await ResourceFileLoader.LoadAsync(parse.GetValue(files)!, options.Console.In, ct);
            var resources = ResourceFileLoader.WithNamespace(loaded, parse.GetValue(options.Namespace), errors);
            var output = options.Console.Out;
            foreach (var error in errors)
            {
                await output.WriteLineAsync($"Error [{ValidationMessage.SchemaError}] {error}");
            }

            IReadOnlyCollection<MeshResource> existing = [];
            if (parse.GetValue(cluster))
            {
                using var client = options.Client(parse);
                existing = await LiveResourcesAsync(client, ct);
            }

            var messages = ConfigAnalyzer.Analyze(resources.Select(r => r.Resource).ToList(), existing);
            foreach (var message in messages)
            {
                await output.WriteLineAsync(Format(message));
            }

            var hasErrors = errors.Count > 0 || messages.Any(m => m.Severity == ValidationSeverity.Error);
            if (!hasErrors && messages.Count == 0)
            {
                var namespaces = string.Join(", ", resources.Select(r => r.Resource.Key.Namespace).Distinct().Order(StringComparer.Ordinal));
                await output.WriteLineAsync($"No validation issues found when analyzing namespace: {(namespaces.Length == 0 ? "default" : namespaces)}.");
            }

            return hasErrors ? ExitCodes.UserError : messages.Count > 0 ? ExitCodes.Warnings : ExitCodes.Success;
        });
        return command;
    }

    /// <summary>istioctl's layout: <c>Warning [IST0101] (VirtualService default/reviews) spec...: message</c>.</summary>
    internal static string Format(ValidationMessage message)
    {
        var text = message.Message;
        var subject = "";
        var colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon > 0 && text[..colon].Split(' ') is [var kind, var name] && name.Contains('/', StringComparison.Ordinal) && char.IsUpper(kind[0]))
        {
            subject = $" ({text[..colon]})";
            text = text[(colon + 2)..];
        }

        if (message.Path.Length > 0 && !text.StartsWith(message.Path, StringComparison.Ordinal))
        {
            text = $"{message.Path}: {text}";
        }

        return $"{message.Severity} [{message.Code}]{subject} {text}";
    }

    private static async Task<List<MeshResource>> LiveResourcesAsync(SiloClient client, CancellationToken ct)
    {
        var result = new List<MeshResource>();
        foreach (var kind in KindCatalog.All.Where(k => k.Api is KindApi.Service or KindApi.Config))
        {
            var items = await client.GetAsync<JsonElement>(kind.ListPath(null), ct);
            result.AddRange(items.EnumerateArray().Select(i => i.Deserialize<MeshResource>(Mesh.Contracts.Json.MeshJson.Options)!));
        }

        return result;
    }
}
