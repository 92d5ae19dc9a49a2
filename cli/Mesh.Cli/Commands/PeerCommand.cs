using System.CommandLine;
using Mesh.Cli.Output;
using Mesh.Contracts.Federation;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>meshctl peer create|join|list|describe|delete</c>: peering with another silo cluster (docs/federation.md), as
/// Consul's <c>consul peering generate-token|establish|list|read|delete</c>.
/// </summary>
internal static class PeerCommand
{
    public static Command Create(GlobalOptions options)
    {
        var command = new Command("peer", "Peer this cluster with another silo cluster: create a token, join with one, list, describe, delete");
        command.Subcommands.Add(CreateToken(options));
        command.Subcommands.Add(Join(options));
        command.Subcommands.Add(List(options));
        command.Subcommands.Add(Describe(options));
        command.Subcommands.Add(Delete(options));
        return command;
    }

    private static Command CreateToken(GlobalOptions options)
    {
        var name = NameArgument("Name this cluster gives the peer that will redeem the token");
        var ttl = new Option<int?>("--ttl") { Description = "Seconds the token may be redeemed (60-86400, default 3600)" };
        var command = new Command("create", "Create a one-time peering token for another cluster to redeem with 'meshctl peer join'") { name, ttl };
        options.SetAction(command, async (parse, ct) =>
        {
            using var client = options.Client(parse);
            var created = await client.PostAsync<PeeringTokenView>("/api/v1/peerings/tokens", new CreatePeeringTokenRequest { Peer = parse.GetValue(name)!, TtlSeconds = parse.GetValue(ttl) }, ct);
            await options.Console.Error.WriteLineAsync($"Peering token for '{created.Peer}', valid until {created.ExpiresAt:u}, usable once. On the other cluster run:");
            await options.Console.Error.WriteLineAsync("  meshctl peer join NAME --token TOKEN");
            await options.Console.Out.WriteLineAsync(created.Token);
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Join(GlobalOptions options)
    {
        var name = NameArgument("Name this cluster gives the peer (the cluster that created the token)");
        var token = new Option<string>("--token") { Description = "The token 'meshctl peer create' printed on the other cluster ('-' reads it from stdin)", Required = true };
        var command = new Command("join", "Redeem another cluster's peering token: the two clusters are peered from then on") { name, token };
        options.SetAction(command, async (parse, ct) =>
        {
            var text = parse.GetValue(token)!;
            if (text == "-")
            {
                text = (await options.Console.In.ReadToEndAsync(ct)).Trim();
            }

            using var client = options.Client(parse);
            var view = await client.PostAsync<PeeringView>("/api/v1/peerings", new JoinPeeringRequest { Name = parse.GetValue(name)!, Token = text }, ct);
            await options.Console.Out.WriteLineAsync($"peering \"{view.Name}\" established with cluster {view.PeerCluster} (trust domain {view.TrustDomain})");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Command List(GlobalOptions options)
    {
        var output = GlobalOptions.OutputOption("table");
        var command = new Command("list", "List peerings with their state (Active, Stale, Expired), last contact, gateway reachability and service counts") { output };
        command.Aliases.Add("ls");
        options.SetAction(command, async (parse, ct) =>
        {
            using var client = options.Client(parse);
            var peerings = await client.GetAsync<List<PeeringView>>("/api/v1/peerings", ct);
            var format = GlobalOptions.Format(parse, output);
            if (format != OutputFormat.Table)
            {
                StructuredOutput.Write(options.Console.Out, format, System.Text.Json.JsonSerializer.SerializeToElement(peerings, Mesh.Contracts.Json.MeshJson.Options));
                return ExitCodes.Success;
            }

            if (peerings.Count == 0)
            {
                await options.Console.Out.WriteLineAsync("No peerings.");
                return ExitCodes.Success;
            }

            var now = DateTimeOffset.UtcNow;
            TableWriter.Write(options.Console.Out,
                ["NAME", "PEER CLUSTER", "TRUST DOMAIN", "ROLE", "STATE", "CONNECTED", "LAST HEARD", "GATEWAY", "IMPORTED", "EXPORTED", "STALE/EXPIRE AFTER"],
                peerings.Select(p => (IReadOnlyList<string>)
                [
                    p.Name, p.PeerCluster, p.TrustDomain, p.Role, p.State, p.Connected ? "yes" : "no",
                    p.LastHeard is { } heard ? Ago(now - heard) : "never", p.GatewayReachable ? "reachable" : "unreachable", p.ImportedServices.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    p.ExportedServices.ToString(System.Globalization.CultureInfo.InvariantCulture), $"{Span(p.StaleAfter)}/{Span(p.ExpireAfter)}",
                ]));
            foreach (var problem in peerings.Where(p => p.LastError is not null && !p.Connected))
            {
                await options.Console.Out.WriteLineAsync($"{problem.Name}: {problem.LastError}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Describe(GlobalOptions options)
    {
        var name = NameArgument("Peering name");
        var command = new Command("describe", "Show one peering: its state, the services imported from the peer (per locality) and those exported to it") { name };
        options.SetAction(command, async (parse, ct) =>
        {
            using var client = options.Client(parse);
            var detail = await client.GetAsync<PeeringDetailView>($"/api/v1/peerings/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct);
            var p = detail.Peering;
            var output = options.Console.Out;
            await output.WriteLineAsync($"Peering:       {p.Name}");
            await output.WriteLineAsync($"Peer cluster:  {p.PeerCluster} (trust domain {p.TrustDomain})");
            await output.WriteLineAsync($"Role:          {p.Role}");
            await output.WriteLineAsync($"State:         {p.State}{(p.Connected ? ", connected" : ", not connected")}");
            await output.WriteLineAsync($"Gateway:       {(p.GatewayReachable ? "reachable" : "unreachable: its imports are not chosen")}");
            await output.WriteLineAsync($"Last heard:    {(p.LastHeard is { } heard ? heard.ToString("u", System.Globalization.CultureInfo.InvariantCulture) : "never")}");
            if (p.LastError is not null)
            {
                await output.WriteLineAsync($"Last error:    {p.LastError}");
            }

            await output.WriteLineAsync("Imported:");
            foreach (var service in detail.Imported)
            {
                var localities = string.Join(", ", service.Localities.Select(l => $"{Locality(l)} {l.Healthy}/{l.Total} healthy"));
                await output.WriteLineAsync($"  {service.Namespace}/{service.Service}: {(localities.Length == 0 ? "no endpoints" : localities)}");
            }

            await output.WriteLineAsync("Exported:");
            foreach (var service in detail.Exported)
            {
                await output.WriteLineAsync($"  {service}");
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static Command Delete(GlobalOptions options)
    {
        var name = NameArgument("Peering name");
        var command = new Command("delete", "Delete a peering: its imports are withdrawn and its roots no longer trusted") { name };
        options.SetAction(command, async (parse, ct) =>
        {
            using var client = options.Client(parse);
            await client.DeleteAsync($"/api/v1/peerings/{Uri.EscapeDataString(parse.GetValue(name)!)}", ct);
            await options.Console.Out.WriteLineAsync($"peering \"{parse.GetValue(name)}\" deleted");
            return ExitCodes.Success;
        });
        return command;
    }

    private static Argument<string> NameArgument(string description) =>
        GlobalOptions.NoOptionLikeValues(new Argument<string>("name") { Description = description });

    private static string Locality(ImportedLocality locality) =>
        string.Join("/", new[] { locality.Region, locality.Zone, locality.Subzone }.Where(s => !string.IsNullOrEmpty(s))) is { Length: > 0 } text ? text : "(no locality)";

    private static string Ago(TimeSpan span) => span < TimeSpan.Zero ? "0s ago" : $"{Span(span)} ago";

    private static string Span(TimeSpan span) =>
        span.TotalSeconds < 120 ? $"{span.TotalSeconds:0}s" : span.TotalMinutes < 120 ? $"{span.TotalMinutes:0}m" : $"{span.TotalHours:0}h";

    private sealed record PeeringDetailView(PeeringView Peering, IReadOnlyList<ImportedServiceView> Imported, IReadOnlyList<string> Exported);

    private sealed record ImportedServiceView(string Namespace, string Service, IReadOnlyList<ImportedLocality> Localities);
}
