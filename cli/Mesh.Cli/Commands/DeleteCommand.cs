using System.CommandLine;
using Mesh.Cli.Client;
using Mesh.Cli.Input;
using Mesh.Cli.Kinds;

namespace Mesh.Cli.Commands;

/// <summary><c>meshctl delete KIND NAME [-n NS]</c> or <c>meshctl delete -f FILE</c>.</summary>
internal static class DeleteCommand
{
    public static Command Create(GlobalOptions options)
    {
        var kindArgument = GlobalOptions.NoOptionLikeValues(new Argument<string?>("kind") { Description = "Kind (omit with -f)", Arity = ArgumentArity.ZeroOrOne });
        var namesArgument = GlobalOptions.NoOptionLikeValues(new Argument<string[]>("name") { Description = "Names to delete", Arity = ArgumentArity.ZeroOrMore });
        var files = GlobalOptions.FileOption("Delete the resources these files describe (file, directory or '-')");
        var command = new Command("delete", "Delete resources by kind and name, or those in files") { kindArgument, namesArgument, files };
        options.SetAction(command, async (parse, ct) =>
        {
            var targets = await TargetsAsync(options, parse.GetValue(kindArgument), parse.GetValue(namesArgument) ?? [], parse.GetValue(files) ?? [],
                parse.GetValue(options.Namespace), ct);
            using var client = options.Client(parse);
            var exit = ExitCodes.Success;
            foreach (var (kind, ns, name) in targets)
            {
                try
                {
                    await ResourceApi.DeleteAsync(client, kind, ns, name, ct);
                    await options.Console.Out.WriteLineAsync($"{kind.DisplayName} \"{name}\" deleted");
                }
                catch (CliException e) when (!e.Fatal)
                {
                    await options.Console.Error.WriteLineAsync($"{kind.DisplayName} \"{name}\" (namespace {ns}): {GlobalOptions.ErrorText(e.Message)}");
                    exit = exit == ExitCodes.Success ? e.ExitCode : exit;
                }
            }

            return exit;
        });
        return command;
    }

    private static async Task<List<(KindInfo Kind, string Namespace, string Name)>> TargetsAsync(
        GlobalOptions options, string? kind, string[] names, string[] files, string? ns, CancellationToken ct)
    {
        if (files.Length > 0)
        {
            if (kind is not null)
            {
                throw new CliException(ExitCodes.Usage, "give either -f FILE or KIND NAME, not both");
            }

            var (resources, _) = await ApplyCommand.LoadValidatedAsync(options, files, ns, ct);
            return resources.Select(r =>
            {
                var info = KindCatalog.ForResource(r.Resource);
                return (info, r.Resource.Key.Namespace, ResourceApi.NameOf(info, r.Resource));
            }).ToList();
        }

        if (kind is null || names.Length == 0)
        {
            throw new CliException(ExitCodes.Usage, "usage: meshctl delete KIND NAME... [-n NS] or meshctl delete -f FILE");
        }

        var info = KindCatalog.Find(kind);
        return names.Select(n => (info, ns ?? "default", n)).ToList();
    }
}
