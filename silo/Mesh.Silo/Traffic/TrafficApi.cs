using System.Text.Json;
using Mesh.Contracts.Traffic;
using Mesh.Grains.Traffic;
using Mesh.Silo.Api;

namespace Mesh.Silo.Traffic;

/// <summary>
/// <c>GET /api/v1/traffic/graph</c>: the live service graph (docs/observability.md), and
/// <c>GET /api/v1/traffic/graph/watch</c>: the same as server-sent events, one <c>graph</c> event a second.
/// </summary>
internal static class TrafficApi
{
    public const int DefaultWindowSeconds = 10;

    public static void MapTrafficApi(this RouteGroupBuilder api)
    {
        api.MapGet("/traffic/graph", async (string? @namespace, int? window, IGrainFactory grains, ExternalHostsSource external, TimeProvider time) =>
        {
            var (ns, seconds) = Check(@namespace, window);
            return await ReadAsync(grains, external, ns, seconds, time);
        });

        api.MapGet("/traffic/graph/watch", async (string? @namespace, int? window, IGrainFactory grains, ExternalHostsSource external, TimeProvider time,
            Microsoft.Extensions.Options.IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions> jsonOptions, HttpContext context) =>
        {
            var (ns, seconds) = Check(@namespace, window);
            var response = context.Response;
            response.ContentType = "text/event-stream";
            response.Headers.CacheControl = "no-cache";
            var json = jsonOptions.Value.SerializerOptions;
            var token = context.RequestAborted;
            using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), time);
            do
            {
                TrafficGraph graph;
                try
                {
                    graph = await ReadAsync(grains, external, ns, seconds, time);
                }
                catch (Exception ex) when (ex is TimeoutException or Orleans.Runtime.OrleansException)
                {
                    // The grain is moving to another silo; the next tick reads it there.
                    continue;
                }

                await response.WriteAsync("event: graph\ndata: ", token);
                await response.WriteAsync(JsonSerializer.Serialize(graph, json), token);
                await response.WriteAsync("\n\n", token);
                await response.Body.FlushAsync(token);
            }
            while (await timer.WaitForNextTickAsync(token));
        });
    }

    private static async Task<TrafficGraph> ReadAsync(IGrainFactory grains, ExternalHostsSource external, string? ns, int seconds, TimeProvider time)
    {
        var samples = await grains.GetGrain<ITrafficGraphGrain>(0).WindowAsync(seconds);
        return TrafficGraphBuilder.Build(samples, seconds, ns, time.GetUtcNow(), external.Current);
    }

    private static (string? Namespace, int Seconds) Check(string? ns, int? window)
    {
        if (ns is not null && InputValidation.CheckDnsLabel(ns) is { } problem)
        {
            throw new ApiValidationException("namespace", problem);
        }

        var seconds = window ?? DefaultWindowSeconds;
        return seconds is < 1 or > TrafficWindow.MaxSeconds
            ? throw new ApiValidationException("window", $"window {seconds} must be 1..{TrafficWindow.MaxSeconds} seconds")
            : (ns, seconds);
    }
}
