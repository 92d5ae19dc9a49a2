using System.CommandLine;
using Mesh.Cli.Client;
using Mesh.Cli.Configuration;
using Mesh.Cli.Output;

namespace Mesh.Cli.Commands;

/// <summary>Options every command accepts, and the plumbing that turns a command's work into an exit code.</summary>
internal sealed class GlobalOptions(CliConsole console)
{
    public CliConsole Console { get; } = console;

    public Option<string?> Server { get; } = new("--server", "-s")
    {
        Description = "Silo address (default: MESH_SERVER, then 'server:' in the config file, then " + CliSettings.DefaultServer + ")",
        Recursive = true,
    };

    public Option<string?> Token { get; } = new("--token")
    {
        Description = "Admin API bearer token (default: MESH_TOKEN, then 'token:' in the config file)",
        Recursive = true,
    };

    public Option<string?> Namespace { get; } = new("--namespace", "-n")
    {
        Description = "Namespace (default: the resource's own, else 'default')",
        Recursive = true,
    };

    public static Option<string> OutputOption(string defaultFormat) => new("--output", "-o")
    {
        Description = "Output format: table, yaml or json",
        DefaultValueFactory = _ => defaultFormat,
    };

    public static Option<string[]> FileOption(string description) => new("--filename", "-f")
    {
        Description = description,
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>
    /// System.CommandLine lets an unknown <c>--flag</c> fill a free argument slot; a name never starts with '-', so
    /// such a token is reported as the unknown option it is (a usage error).
    /// </summary>
    public static T NoOptionLikeValues<T>(T argument)
        where T : Argument
    {
        argument.Validators.Add(result =>
        {
            foreach (var token in result.Tokens.Where(t => t.Value.StartsWith('-') && t.Value != "-"))
            {
                result.AddError($"unknown option '{token.Value}'");
            }
        });
        return argument;
    }

    public static OutputFormat Format(ParseResult parse, Option<string> option) => StructuredOutput.Parse(parse.GetValue(option));

    public CliSettings Settings(ParseResult parse) =>
        CliSettings.Resolve(parse.GetValue(Server), parse.GetValue(Token), Environment.GetEnvironmentVariable);

    public SiloClient Client(ParseResult parse) => new(Settings(parse));

    /// <summary>Server errors already read "Error from server (...)", as in kubectl; everything else gets "Error: ".</summary>
    public static string ErrorText(string message) =>
        message.StartsWith("Error from server", StringComparison.Ordinal) ? message : "Error: " + message;

    /// <summary>Runs a command body, turning <see cref="CliException"/> into its message and exit code (never a stack trace).</summary>
    public void SetAction(Command command, Func<ParseResult, CancellationToken, Task<int>> body) =>
        command.SetAction(async (parse, ct) =>
        {
            try
            {
                return await body(parse, ct);
            }
            catch (CliException e)
            {
                await Console.Error.WriteLineAsync(ErrorText(e.Message));
                return e.ExitCode;
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                await Console.Error.WriteLineAsync("Error: cancelled");
                return ExitCodes.UserError;
            }
        });
}
