using System.CommandLine;
using Mesh.Cli.Commands;
using Mesh.Cli.Output;
using Mesh.Contracts.Traffic;

namespace Mesh.Cli.Traffic;

/// <summary>
/// <c>meshctl stat [NAME] [-n NS] [--window S] [-o table|json|yaml]</c>: per workload, in the spirit of
/// <c>linkerd viz stat</c>: success rate, requests per second, latency percentiles, mTLS share and denials of the
/// requests it received, from the cluster's live traffic.
/// </summary>
internal static class StatCommand
{
    public static Command Create(GlobalOptions options)
    {
        var nameArgument = GlobalOptions.NoOptionLikeValues(new Argument<string?>("workload") { Description = "Only this workload (e.g. reviews-v2)", Arity = ArgumentArity.ZeroOrOne });
        var window = TrafficQuery.WindowOption();
        var output = GlobalOptions.OutputOption("table");
        var command = new Command("stat", "Success rate, requests/s, latency and mTLS share per workload") { nameArgument, window, output };
        options.SetAction(command, async (parse, ct) =>
        {
            var format = GlobalOptions.Format(parse, output);
            using var client = options.Client(parse);
            var graph = await TrafficQuery.GraphAsync(client, parse.GetValue(options.Namespace), parse.GetValue(window), ct);
            var name = parse.GetValue(nameArgument);
            var nodes = graph.Nodes.Where(n => n.Kind != "unknown" && (name is null || n.Workload == name)).ToList();
            if (format != OutputFormat.Table)
            {
                StructuredOutput.Write(options.Console.Out, format, StructuredOutput.List(nodes.Select(TrafficQuery.ToJson)));
                return ExitCodes.Success;
            }

            if (nodes.Count == 0)
            {
                await options.Console.Error.WriteLineAsync($"No traffic in the last {graph.WindowSeconds} s{(name is null ? "" : $" for workload {name}")}.");
                return ExitCodes.Success;
            }

            TableWriter.Write(options.Console.Out,
                ["NAMESPACE", "WORKLOAD", "KIND", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "MTLS", "DENIED"],
                nodes.Select(Row));
            return ExitCodes.Success;
        });
        return command;
    }

    private static string[] Row(TrafficNode node) =>
    [
        node.Namespace, node.Workload, node.Kind, TrafficQuery.Success(node), TrafficQuery.Rps(node.RequestsPerSecond),
        TrafficQuery.Latency(node.P50Ms), TrafficQuery.Latency(node.P95Ms), TrafficQuery.Latency(node.P99Ms),
        TrafficQuery.Share(node.MtlsShare), TrafficQuery.Rps(node.DeniedPerSecond),
    ];
}
