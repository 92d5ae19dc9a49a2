using Mesh.Sidecar.Hosting;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Subscription;
using Mesh.Sidecar.Telemetry;
using Microsoft.AspNetCore.Http;

namespace Mesh.Sidecar.Listeners;

/// <summary>
/// The admin listener: <c>/metrics</c> (Prometheus), <c>/ready</c> (200 once a configuration is in force, from a
/// silo or the state file), <c>/config_dump</c> (the acknowledged ProxyConfig with its revision), <c>/listeners</c> (the TCP and
/// TLS listeners and whether each is bound), <c>/certs</c> (SVID and trust bundle;
/// POST <c>/certs/rotate</c> renews now).
/// </summary>
internal sealed class AdminEndpoints(ProxyConfigHolder holder, ConfigApplier applier, IstioMetrics metrics, AccessLog accessLog, SubscriptionClient subscription,
    Security.CertificateAdmin certificates, Connections.ConnectionListeners connectionListeners)
{
    public async Task HandleAsync(HttpContext context)
    {
        // Requests run on the socket threads that also carry proxied traffic (SidecarTransport); rendering a config
        // dump or metrics of a large mesh is slow enough to belong on the thread pool instead.
        await Task.Yield();
        var response = context.Response;
        switch (context.Request.Path.Value)
        {
            case "/metrics":
                response.ContentType = PrometheusWriter.ContentType;
                var current = holder.Current;
                await response.WriteAsync(PrometheusWriter.Write(metrics,
                [
                    ("mesh_sidecar_config_revision", "Revision of the configuration in force.", current.Revision),
                    ("mesh_sidecar_subscription_connected", "1 while subscribed to a silo.", subscription.Connected ? 1 : 0),
                    ("mesh_sidecar_access_log_dropped_total", "Access log lines dropped because the writer fell behind.", accessLog.Dropped),
                    ("process_resident_memory_bytes", "Resident memory size in bytes.", Environment.WorkingSet),
                    ("process_cpu_seconds_total", "User and system CPU time spent in seconds.", Environment.CpuUsage.TotalTime.TotalSeconds),
                    ("dotnet_gc_allocated_bytes_total", "Bytes allocated on the managed heap since start.", GC.GetTotalAllocatedBytes()),
                    ("dotnet_gc_heap_size_bytes", "Managed heap size after the last collection.", GC.GetGCMemoryInfo().HeapSizeBytes),
                    ("dotnet_gc_committed_bytes", "Memory the GC has committed (heap plus free space it keeps), after the last collection.", GC.GetGCMemoryInfo().TotalCommittedBytes),
                ]), context.RequestAborted);
                await response.WriteAsync(Inference.EndpointLoadGauges.Write(current), context.RequestAborted);
                break;
            case "/ready":
                response.StatusCode = holder.HasConfig ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
                await response.WriteAsync(holder.HasConfig ? "ready\n" : "no configuration yet\n", context.RequestAborted);
                break;
            case "/config_dump":
                response.ContentType = "application/json";
                var config = holder.Current;
                await JsonSerializer.SerializeAsync(response.Body, new ConfigDump(config.Revision, applier.Accepted.Revision, holder.Origin, subscription.Connected, config.Source),
                    SidecarJson.Options.TypeInfo<ConfigDump>(), context.RequestAborted);
                break;
            case "/listeners":
                response.ContentType = "application/json";
                await JsonSerializer.SerializeAsync(response.Body, connectionListeners.Status(), SidecarJson.Options.TypeInfo<IReadOnlyList<Connections.ListenerStatus>>(), context.RequestAborted);
                break;
            case "/certs" or "/certs/rotate":
                await certificates.HandleAsync(context);
                break;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                await response.WriteAsync("admin endpoints: /metrics /ready /config_dump /listeners /certs\n", context.RequestAborted);
                break;
        }
    }

    internal sealed record ConfigDump(long Revision, long AcceptedRevision, string Origin, bool Subscribed, Routing.Model.ProxyConfig Config);
}
