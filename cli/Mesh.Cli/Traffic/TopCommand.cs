using System.CommandLine;
using Mesh.Cli.Commands;
using Mesh.Cli.Output;
using Mesh.Contracts.Traffic;

namespace Mesh.Cli.Traffic;

/// <summary>
/// <c>meshctl top [-n NS] [--window S] [--watch] [-o table|json|yaml]</c>: the busiest edges of the service graph
/// (caller, destination, route and subset), busiest first, like <c>linkerd viz top</c> and <c>routes</c> in one view.
/// With <c>--watch</c> it redraws every two seconds until interrupted.
/// </summary>
internal static class TopCommand
{
    private static readonly TimeSpan WatchInterval = TimeSpan.FromSeconds(2);

    public static Command Create(GlobalOptions options)
    {
        var window = TrafficQuery.WindowOption();
        var watch = new Option<bool>("--watch") { Description = "Redraw every 2 s until Ctrl-C" };
        var limit = new Option<int>("--limit") { Description = "Show at most this many edges", DefaultValueFactory = _ => 20 };
        var output = GlobalOptions.OutputOption("table");
        var command = new Command("top", "The busiest caller → destination edges with rate, success, latency and mTLS") { window, watch, limit, output };
        options.SetAction(command, async (parse, ct) =>
        {
            var format = GlobalOptions.Format(parse, output);
            using var client = options.Client(parse);
            do
            {
                var graph = await TrafficQuery.GraphAsync(client, parse.GetValue(options.Namespace), parse.GetValue(window), ct);
                // Requests only: a TCP edge has connections and bytes, which these columns do not measure (the API and the dashboard show them).
                var edges = graph.Edges.Where(e => e.Protocol != "tcp").OrderByDescending(e => e.RequestsPerSecond).ThenBy(e => e.Source, StringComparer.Ordinal)
                    .Take(Math.Max(1, parse.GetValue(limit))).ToList();
                if (parse.GetValue(watch) && format == OutputFormat.Table)
                {
                    // ANSI: cursor home and clear, so the table redraws in place.
                    await options.Console.Out.WriteAsync("\u001b[H\u001b[2J");
                }

                if (format != OutputFormat.Table)
                {
                    StructuredOutput.Write(options.Console.Out, format, StructuredOutput.List(edges.Select(TrafficQuery.ToJson)));
                }
                else if (edges.Count == 0)
                {
                    await options.Console.Error.WriteLineAsync($"No traffic in the last {graph.WindowSeconds} s.");
                }
                else
                {
                    TableWriter.Write(options.Console.Out, ["SOURCE", "DESTINATION", "SERVICE", "ROUTE", "RPS", "SUCCESS", "LATENCY_P50", "LATENCY_P99", "MTLS", "DENIED"], edges.Select(Row));
                }
            }
            while (parse.GetValue(watch) && await Delay(ct));

            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<bool> Delay(CancellationToken cancellationToken)
    {
        await Task.Delay(WatchInterval, cancellationToken);
        return true;
    }

    private static string[] Row(TrafficEdgeView edge) =>
    [
        edge.Source, edge.Target, edge.DestinationService,
        edge.Routes.Count == 0 ? "-" : string.Join(",", edge.Routes.Select(r => r.Subset.Length == 0 ? r.Route : $"{r.Route}/{r.Subset}")),
        TrafficQuery.Rps(edge.RequestsPerSecond), TrafficQuery.Success(edge), TrafficQuery.Latency(edge.P50Ms), TrafficQuery.Latency(edge.P99Ms),
        TrafficQuery.Share(edge.MtlsShare), TrafficQuery.Rps(edge.DeniedPerSecond),
    ];
}
