using System.CommandLine;
using Mesh.Cli.Client;
using Mesh.Cli.Input;
using Mesh.Cli.Kinds;
using Mesh.Istio.Validation;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>meshctl apply -f FILE|DIR|-</c>: reads and validates every document offline first; if anything is wrong nothing
/// is sent. Then PUTs each resource (unless stored unchanged) and prints <c>kind.group/name created|configured|unchanged</c>.
/// </summary>
internal static class ApplyCommand
{
    public static Command Create(GlobalOptions options)
    {
        var files = GlobalOptions.FileOption("File, directory (*.yaml, *.yml, *.json) or '-' for stdin; repeatable");
        files.Required = true;
        var dryRun = new Option<bool>("--dry-run") { Description = "Validate only; send nothing" };
        var command = new Command("apply", "Create or update resources from YAML or JSON files") { files, dryRun };
        options.SetAction(command, async (parse, ct) =>
        {
            var (resources, warnings) = await LoadValidatedAsync(options, parse.GetValue(files)!, parse.GetValue(options.Namespace), ct);
            // What validation accepted but wants said (fields accepted and not enforced, for example), before anything
            // is sent, as kubectl prints a server's warnings.
            foreach (var warning in warnings)
            {
                await options.Console.Error.WriteLineAsync($"Warning: {warning}");
            }

            var output = options.Console.Out;
            if (parse.GetValue(dryRun))
            {
                foreach (var loaded in resources)
                {
                    await output.WriteLineAsync($"{KindCatalog.ForResource(loaded.Resource).DisplayName}/{loaded.Resource.Metadata.Name} valid (dry run)");
                }

                return ExitCodes.Success;
            }

            using var client = options.Client(parse);
            var exit = ExitCodes.Success;
            foreach (var loaded in resources)
            {
                var kind = KindCatalog.ForResource(loaded.Resource);
                try
                {
                    var (name, outcome) = await ResourceApi.ApplyAsync(client, kind, loaded.Resource, ct);
                    await output.WriteLineAsync($"{kind.DisplayName}/{name} {outcome.ToString().ToLowerInvariant()}");
                }
                catch (CliException e) when (!e.Fatal)
                {
                    // Like kubectl: report and go on with the rest; the exit code still says something failed.
                    await options.Console.Error.WriteLineAsync($"{loaded.Location}: {kind.DisplayName}/{loaded.Resource.Metadata.Name}: {GlobalOptions.ErrorText(e.Message)}");
                    exit = exit == ExitCodes.Success ? e.ExitCode : exit;
                }
            }

            return exit;
        });
        return command;
    }

    private static string Describe(LoadedResource resource, ValidationMessage message) =>
        $"{resource.Location}: {resource.Resource.Kind} {resource.Resource.Key.Namespace}/{resource.Resource.Metadata.Name}: "
        + (message.Path.Length == 0 ? "" : message.Path + ": ") + message.Message;

    /// <summary>
    /// Reads every input and validates every resource once; throws with all errors if there is any, else returns the
    /// resources and the warnings (<c>FILE: Kind ns/name: path: message</c>).
    /// </summary>
    public static async Task<(List<LoadedResource> Resources, List<string> Warnings)> LoadValidatedAsync(GlobalOptions options, IReadOnlyList<string> inputs, string? ns, CancellationToken ct)
    {
        var (loaded, errors) = await ResourceFileLoader.LoadAsync(inputs, options.Console.In, ct);
        var resources = ResourceFileLoader.WithNamespace(loaded, ns, errors);
        var warnings = new List<string>();
        foreach (var resource in resources)
        {
            foreach (var message in ResourceValidator.Validate(resource.Resource))
            {
                switch (message.Severity)
                {
                    case ValidationSeverity.Error: errors.Add(Describe(resource, message)); break;
                    case ValidationSeverity.Warning: warnings.Add(Describe(resource, message)); break;
                    default: break;
                }
            }
        }

        if (errors.Count > 0)
        {
            throw new CliException(ExitCodes.UserError,
                $"{errors.Count} problem{(errors.Count == 1 ? "" : "s")} found; nothing was applied\n  " + string.Join("\n  ", errors));
        }

        if (resources.Count == 0)
        {
            throw new CliException(ExitCodes.UserError, "no resources found in " + string.Join(", ", inputs));
        }

        return (resources, warnings);
    }
}
