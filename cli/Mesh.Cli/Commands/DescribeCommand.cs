using System.CommandLine;
using Mesh.Cli.Describe;
using Mesh.Cli.Kinds;

namespace Mesh.Cli.Commands;

/// <summary><c>meshctl describe service NAME [-n NS]</c>: routes, subsets, endpoints and health as the sidecars see them.</summary>
internal static class DescribeCommand
{
    public static Command Create(GlobalOptions options)
    {
        var kindArgument = GlobalOptions.NoOptionLikeValues(new Argument<string>("kind") { Description = "service (svc)" });
        var nameArgument = GlobalOptions.NoOptionLikeValues(new Argument<string>("name") { Description = "Service name" });
        var command = new Command("describe", "Show a service with its endpoints, routes, subsets and subscribers") { kindArgument, nameArgument };
        options.SetAction(command, async (parse, ct) =>
        {
            var kind = KindCatalog.Find(parse.GetValue(kindArgument)!);
            if (kind.Api != KindApi.Service)
            {
                throw new CliException(ExitCodes.UserError, $"describe supports services only (got {kind.Aliases[1]}); use 'meshctl get {kind.Aliases[1]} NAME -o yaml'");
            }

            using var client = options.Client(parse);
            var view = await ServiceView.LoadAsync(client, parse.GetValue(nameArgument)!, parse.GetValue(options.Namespace) ?? "default", ct);
            ServiceDescriber.Write(options.Console.Out, view);
            return ExitCodes.Success;
        });
        return command;
    }
}
