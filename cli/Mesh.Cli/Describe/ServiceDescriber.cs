using System.Globalization;
using Mesh.Cli.Output;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;

namespace Mesh.Cli.Describe;

/// <summary>Renders a <see cref="ServiceView"/> the way <c>kubectl describe</c> reads: sections, indented detail.</summary>
internal static class ServiceDescriber
{
    public static void Write(TextWriter output, ServiceView view)
    {
        var service = view.Service;
        var spec = MeshJson.FromElement<ServiceSpec>(service.Spec) ?? new ServiceSpec();
        output.WriteLine($"Name:            {service.Metadata.Name}");
        output.WriteLine($"Namespace:       {service.Key.Namespace}");
        output.WriteLine($"Host:            {view.Host.Fqdn}");
        output.WriteLine($"Labels:          {Labels(service.Metadata.Labels)}");
        output.WriteLine($"Version:         {service.Version}");
        if (view.Owner is { } owner)
        {
            output.WriteLine($"Written by:      {owner.Silo} (its registry grain, active there since {owner.ActivatedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}Z)");
        }
        output.WriteLine("Ports:");
        foreach (var port in spec.Ports)
        {
            output.WriteLine($"  {(port.Name.Length == 0 ? "-" : port.Name)}  {port.Port}/{port.Protocol} -> {port.TargetPort ?? port.Port}");
        }

        Endpoints(output, view.Endpoints);
        Routes(output, view);
        Rules(output, view);
        Subscribers(output, view);
    }

    private static void Endpoints(TextWriter output, IReadOnlyList<EndpointView> endpoints)
    {
        var healthy = endpoints.Count(e => e.Health == EndpointHealth.Healthy);
        output.WriteLine($"Endpoints:       {endpoints.Count} ({healthy} healthy)");
        if (endpoints.Count > 0)
        {
            Table(output, ["ADDRESS", "WEIGHT", "HEALTH", "LABELS", "LEASE EXPIRES", "REGISTERED BY", "EJECTED BY"], endpoints.Select(e => (IReadOnlyList<string>)
            [
                $"{e.Address}:{e.Port}", N(e.Weight), e.Health.ToString(), Labels(e.Labels),
                e.LeaseExpiresAt?.ToString("u", CultureInfo.InvariantCulture) ?? "never", e.RegisteredBy ?? "-",
                e.OutlierReports is { Count: > 0 } reports ? string.Join(",", reports.Select(r => r.Reporter)) : "-",
            ]));
        }

        OutlierReports(output, endpoints);
    }

    /// <summary>Passive health as the sidecars see it: who ejects which endpoint, why and until when.</summary>
    private static void OutlierReports(TextWriter output, IReadOnlyList<EndpointView> endpoints)
    {
        var reports = endpoints.SelectMany(e => (e.OutlierReports ?? []).Select(r => (Endpoint: e, Report: r))).ToList();
        if (reports.Count == 0)
        {
            return;
        }

        output.WriteLine($"Outlier ejections: {reports.Count} (reported by sidecars; registry health unchanged)");
        Table(output, ["ADDRESS", "EJECTED BY", "SINCE", "UNTIL", "REASON"], reports.Select(x => (IReadOnlyList<string>)
        [
            $"{x.Endpoint.Address}:{x.Endpoint.Port}", x.Report.Reporter, x.Report.Since.ToString("u", CultureInfo.InvariantCulture),
            x.Report.Until?.ToString("u", CultureInfo.InvariantCulture) ?? "-", x.Report.Reason,
        ]));
    }

    private static void Routes(TextWriter output, ServiceView view)
    {
        output.WriteLine($"VirtualServices: {(view.VirtualServices.Count == 0 ? "<none> (requests go to all endpoints)" : N(view.VirtualServices.Count))}");
        foreach (var (resource, spec) in view.VirtualServices)
        {
            var gateways = spec.Gateways is { Count: > 0 } g ? $", gateways: {string.Join(",", g)}" : "";
            output.WriteLine($"  {resource.Key.Namespace}/{resource.Metadata.Name} (hosts: {string.Join(",", spec.Hosts ?? [])}{gateways})");
            var http = spec.Http ?? [];
            for (var i = 0; i < http.Count; i++)
            {
                var route = http[i];
                output.WriteLine($"    http[{i}]{(route.Name is { } n ? " " + n : "")}: {RouteText.Match(route.Match)}");
                var destinations = route.Route ?? [];
                foreach (var destination in destinations)
                {
                    output.WriteLine($"      -> {RouteText.Destination(destination.Destination, destination.Weight, destinations.Count)}");
                }

                foreach (var extra in RouteText.Extras(route))
                {
                    output.WriteLine($"      {extra}");
                }
            }
        }
    }

    private static void Rules(TextWriter output, ServiceView view)
    {
        output.WriteLine($"DestinationRules: {(view.DestinationRules.Count == 0 ? "<none>" : N(view.DestinationRules.Count))}");
        foreach (var (resource, spec) in view.DestinationRules)
        {
            output.WriteLine($"  {resource.Key.Namespace}/{resource.Metadata.Name} (host: {spec.Host})");
            if (spec.TrafficPolicy is { } policy)
            {
                output.WriteLine($"    traffic policy: {Policy(policy)}");
            }

            var subsets = spec.Subsets ?? [];
            if (subsets.Count == 0)
            {
                continue;
            }

            output.WriteLine("    subsets:");
            Table(output, ["NAME", "LABELS", "ENDPOINTS", "HEALTHY", "POLICY"], subsets.Select(s =>
            {
                var selected = view.Endpoints.Where(e => (s.Labels ?? new Dictionary<string, string>()).All(l => e.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
                return (IReadOnlyList<string>)[s.Name ?? "", Labels(s.Labels), N(selected.Count), N(selected.Count(e => e.Health == EndpointHealth.Healthy)),
                    s.TrafficPolicy is { } p ? Policy(p) : "-"];
            }), indent: "      ");
        }
    }

    private static void Subscribers(TextWriter output, ServiceView view)
    {
        var revision = view.Revision;
        output.WriteLine($"Subscribers:     {view.Subscribers.Count} holding this service (configuration revision {revision})");
        if (view.Subscribers.Count > 0)
        {
            Table(output, ["ID", "SILO", "ACKED", "STATUS"], view.Subscribers.Select(s => (IReadOnlyList<string>)
            [
                s.Id, s.SiloId, N(s.AckedRevision),
                s.Stale ? "STALE (its stream went quiet or a push is unacknowledged)"
                : s.NackedRevision is { } nack && nack > s.AckedRevision ? $"NACK at {nack}: {s.LastNackError}"
                    : s.AckedRevision >= revision ? "SYNCED" : $"STALE (sent {s.SentRevision})",
            ]));
        }
    }

    private static string Policy(TrafficPolicy policy)
    {
        var parts = new List<string>();
        if (policy.LoadBalancer is { } lb)
        {
            parts.Add("loadBalancer " + (lb.Simple ?? (lb.ConsistentHash is not null ? "consistentHash" : "locality")));
        }

        if (policy.Tls?.Mode is { } tls)
        {
            parts.Add("tls " + tls);
        }

        if (policy.ConnectionPool is not null)
        {
            parts.Add("connectionPool");
        }

        if (policy.OutlierDetection is not null)
        {
            parts.Add("outlierDetection");
        }

        return parts.Count == 0 ? "-" : string.Join(", ", parts);
    }

    private static void Table(TextWriter output, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows, string indent = "  ")
    {
        using var buffer = new StringWriter(CultureInfo.InvariantCulture);
        TableWriter.Write(buffer, headers, rows);
        foreach (var line in buffer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output.WriteLine(indent + line.TrimEnd('\r'));
        }
    }

    private static string Labels(IReadOnlyDictionary<string, string>? labels) =>
        labels is { Count: > 0 } ? string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")) : "<none>";

    private static string N(long value) => value.ToString(CultureInfo.InvariantCulture);
}
