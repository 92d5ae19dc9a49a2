using Mesh.Contracts.Cluster;
using System.CommandLine;
using System.Text.Json;
using Mesh.Cli.Client;
using Mesh.Cli.Configuration;
using Mesh.Cli.Describe;
using Mesh.Cli.Output;
using Mesh.Contracts.Json;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>meshctl proxy-config SIDECAR_ID [--admin URL]</c>: the configuration a sidecar has acknowledged. The sidecar's own
/// <c>/config_dump</c> is read from <c>--admin</c>, or from the URL in its <c>mesh.dev/admin</c> node label; without
/// either, the silo's record of the subscriber (sent, acknowledged and NACKed revisions) is shown.
/// </summary>
internal static class ProxyConfigCommand
{
    public const string AdminLabel = "mesh.dev/admin";

    public static Command Create(GlobalOptions options)
    {
        var idArgument = GlobalOptions.NoOptionLikeValues(new Argument<string>("sidecar") { Description = "Subscriber id of the sidecar (see 'meshctl get subscribers')" });
        var admin = new Option<string?>("--admin") { Description = "Admin URL of the sidecar, e.g. http://127.0.0.1:15000" };
        var output = GlobalOptions.OutputOption("json");
        var command = new Command("proxy-config", "Show the configuration a sidecar has acknowledged") { idArgument, admin, output };
        options.SetAction(command, async (parse, ct) =>
        {
            var id = parse.GetValue(idArgument)!;
            var format = GlobalOptions.Format(parse, output);
            var adminUrl = parse.GetValue(admin);
            SubscriberStatus? status = null;
            if (adminUrl is null)
            {
                using var client = options.Client(parse);
                status = await client.GetAsync<SubscriberStatus>($"/api/v1/subscribers/{Kinds.KindInfo.Escape(id)}", ct);
                adminUrl = status.Node.Labels?.GetValueOrDefault(AdminLabel);
            }

            if (adminUrl is not null)
            {
                var dump = await ConfigDumpAsync(adminUrl, ct);
                Print(options.Console, format, dump, Summary(id, dump));
                return ExitCodes.Success;
            }

            await options.Console.Error.WriteLineAsync(
                $"Note: the silo does not know {id}'s admin address; showing the silo's record of it. Pass --admin URL (or give the sidecar the node label {AdminLabel}) to read its /config_dump.");
            Print(options.Console, format, MeshJson.ToElement(status!), SubscriberSummary(status!));
            return ExitCodes.Success;
        });
        return command;
    }

    private static async Task<JsonElement> ConfigDumpAsync(string adminUrl, CancellationToken ct)
    {
        var settings = CliSettings.Resolve(adminUrl, null, _ => null) with { ServerSource = "--admin" };
        using var sidecar = new SiloClient(settings);
        return await sidecar.GetAsync<JsonElement>("/config_dump", ct);
    }

    private static void Print(CliConsole console, OutputFormat format, JsonElement value, IEnumerable<string> summary)
    {
        if (format != OutputFormat.Table)
        {
            StructuredOutput.Write(console.Out, format, value);
            return;
        }

        foreach (var line in summary)
        {
            console.Out.WriteLine(line);
        }
    }

    private static IEnumerable<string> Summary(string id, JsonElement dump)
    {
        yield return $"Sidecar:            {id}";
        foreach (var field in new[] { "revision", "acceptedRevision", "origin", "subscribed" })
        {
            yield return $"{field + ":",-20}{YamlText.Scalar(TableColumns.Get(dump, field))}";
        }

        if (TableColumns.Get(dump, "config") is { ValueKind: JsonValueKind.Object } config)
        {
            foreach (var property in config.EnumerateObject().Where(p => p.Value.ValueKind == JsonValueKind.Array))
            {
                yield return $"{property.Name + ":",-20}{property.Value.GetArrayLength()}";
            }
        }
    }

    private static IEnumerable<string> SubscriberSummary(SubscriberStatus status)
    {
        yield return $"Sidecar:            {status.Id} (namespace {status.Node.Namespace}, service {status.Node.Service ?? "-"})";
        yield return $"Silo:               {status.SiloId}";
        yield return $"Sent revision:      {status.SentRevision}";
        yield return $"Acked revision:     {status.AckedRevision}";
        yield return $"Nacked revision:    {(status.NackedRevision is { } n ? $"{n}: {status.LastNackError}" : "-")}";
        yield return $"Dependencies:       {(status.Node.Dependencies is { } d ? string.Join(",", d) : "all services")}";
    }
}
