using System.CommandLine;
using System.Text.Json;
using Mesh.Cli.Kinds;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary><c>meshctl get KIND [NAME] [-n NS | -A] [-l key=value,...] [-o table|yaml|json]</c>.</summary>
internal static class GetCommand
{
    public static Command Create(GlobalOptions options)
    {
        var kindArgument = GlobalOptions.NoOptionLikeValues(new Argument<string>("kind") { Description = "Kind: " + KindCatalog.Known() });
        var nameArgument = GlobalOptions.NoOptionLikeValues(new Argument<string?>("name") { Description = "Name (omit to list)", Arity = ArgumentArity.ZeroOrOne });
        var allNamespaces = new Option<bool>("--all-namespaces", "-A") { Description = "List across all namespaces" };
        var selector = new Option<string?>("--selector", "-l") { Description = "List only resources with these labels (key=value,key2=value2)" };
        var output = GlobalOptions.OutputOption("table");
        var command = new Command("get", "Show one resource or list them") { kindArgument, nameArgument, allNamespaces, selector, output };
        options.SetAction(command, async (parse, ct) =>
        {
            var kind = KindCatalog.Find(parse.GetValue(kindArgument)!);
            var name = parse.GetValue(nameArgument);
            var format = GlobalOptions.Format(parse, output);
            var all = parse.GetValue(allNamespaces);
            var ns = parse.GetValue(options.Namespace);
            if (all && ns is not null)
            {
                throw new CliException(ExitCodes.Usage, "use either --namespace or --all-namespaces, not both");
            }

            var labels = parse.GetValue(selector);
            if (labels is not null && name is not null)
            {
                throw new CliException(ExitCodes.Usage, "--selector lists resources; it cannot be combined with a name");
            }

            using var client = options.Client(parse);
            var items = name is null
                ? (await client.GetAsync<JsonElement>(kind.ListPath(all ? null : ns ?? "default", labels), ct)).EnumerateArray().ToList()
                : [await client.GetAsync<JsonElement>(kind.ItemPath(ns ?? "default", name), ct)];

            if (format != OutputFormat.Table)
            {
                StructuredOutput.Write(options.Console.Out, format, name is null ? StructuredOutput.List(items) : items[0]);
            }
            else if (items.Count == 0)
            {
                await options.Console.Error.WriteLineAsync(kind.Namespaced && !all
                    ? $"No {kind.Aliases[1]} found in namespace {ns ?? "default"}."
                    : $"No {kind.Aliases[1]} found.");
            }
            else
            {
                var (headers, rows) = TableColumns.For(kind, items, showNamespace: all || !kind.Namespaced);
                TableWriter.Write(options.Console.Out, headers, rows);
            }

            return ExitCodes.Success;
        });
        return command;
    }
}
