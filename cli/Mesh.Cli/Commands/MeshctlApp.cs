using System.CommandLine;

namespace Mesh.Cli.Commands;

/// <summary>Builds the command tree and runs it. Usage errors exit with 2 and a hint, like most Unix tools.</summary>
internal static class MeshctlApp
{
    public static async Task<int> RunAsync(string[] args, CliConsole console)
    {
        var options = new GlobalOptions(console);
        var root = new RootCommand("meshctl: manage the Mesh service mesh with Istio YAML (apply, get, create, delete, describe, analyze, proxy-config, stat, top, peer)");
        root.Options.Add(options.Server);
        root.Options.Add(options.Token);
        root.Options.Add(options.Namespace);
        root.Subcommands.Add(ApplyCommand.Create(options));
        root.Subcommands.Add(GetCommand.Create(options));
        root.Subcommands.Add(DeleteCommand.Create(options));
        root.Subcommands.Add(CreateCommand.Create(options));
        root.Subcommands.Add(DescribeCommand.Create(options));
        root.Subcommands.Add(AnalyzeCommand.Create(options));
        root.Subcommands.Add(ProxyConfigCommand.Create(options));
        root.Subcommands.Add(Traffic.StatCommand.Create(options));
        root.Subcommands.Add(Traffic.TopCommand.Create(options));
        root.Subcommands.Add(PeerCommand.Create(options));

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                await console.Error.WriteLineAsync("Error: " + error.Message);
            }

            await console.Error.WriteLineAsync("Run 'meshctl --help' for usage.");
            return ExitCodes.Usage;
        }

        return await parse.InvokeAsync(new InvocationConfiguration { Output = console.Out, Error = console.Error, EnableDefaultExceptionHandler = false });
    }
}
