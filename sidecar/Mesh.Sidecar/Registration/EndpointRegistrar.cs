using Mesh.Contracts.Domains;
using Mesh.Contracts.Registry;
using Mesh.Sidecar.Hosting;
using Mesh.Sidecar.Listeners;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Registration;

/// <summary>
/// Registers the local app as an endpoint of its service (labels version/zone, sidecar inbound port), renews the
/// lease every ttl/3 (re-registering if the silo lost it), and deregisters on shutdown. Deregistration runs before
/// Kestrel stops: peers stop choosing this endpoint while its listeners still accept and drain, so no peer meets a
/// refused connection.
/// </summary>
internal sealed partial class EndpointRegistrar(
    SidecarOptions options,
    SiloApiClient silos,
    ListenerPorts ports,
    TimeProvider time,
    ILogger<EndpointRegistrar> logger) : BackgroundService
{
    private volatile string? _name;

    public string? EndpointName => _name;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // A gateway has no app: it registers the port it serves its Gateway servers on.
        if (options.Service is null || (options.AppPort is null && options.Mode != SidecarMode.Gateway) || options.Silos.Count == 0)
        {
            return;
        }

        await ports.Started.WaitAsync(stoppingToken);
        var renewEvery = TimeSpan.FromSeconds(Math.Max(1, options.LeaseTtlSeconds / 3.0));
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (_name is null)
                {
                    await RegisterAsync(stoppingToken);
                }
                else
                {
                    var renewal = await silos.SendAsync<RenewResult>(HttpMethod.Post, $"api/v1/namespaces/{options.Namespace}/endpoints/renew",
                        new RenewRequest([_name], options.LeaseTtlSeconds), stoppingToken);
                    if (renewal?.Missing?.Contains(_name) == true)
                    {
                        Log.LeaseLost(logger, _name);
                        await RegisterAsync(stoppingToken);
                    }
                }

                failures = 0;
                await Task.Delay(renewEvery, time, stoppingToken);
            }
            catch (Exception ex) when (ex is SiloApiException or System.Text.Json.JsonException && !stoppingToken.IsCancellationRequested)
            {
                Log.Failed(logger, ex.Message);
                await Task.Delay(Subscription.Backoff.Delay(++failures, Random.Shared), time, stoppingToken);
            }
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (_name is not { } name)
        {
            return;
        }

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(3));
            await silos.SendAsync<object>(HttpMethod.Delete, $"api/v1/namespaces/{options.Namespace}/endpoints/{name}", null, timeout.Token);
            Log.Deregistered(logger, name);
        }
        catch (Exception ex) when (ex is SiloApiException or OperationCanceledException)
        {
            // The lease expires on its own; shutdown must not hang on an absent control plane.
            Log.Failed(logger, ex.Message);
        }
    }

    private async Task RegisterAsync(CancellationToken cancellationToken)
    {
        var registration = new EndpointRegistration
        {
            Service = options.Service!,
            Address = options.Address,
            Port = options.AppPort ?? ports.Outbound,
            Labels = options.Labels,
            RegisteredBy = options.Id,
            SidecarPort = ports.Inbound,
            TtlSeconds = options.LeaseTtlSeconds,
            Health = EndpointHealth.Healthy,
        };
        var view = await silos.SendAsync<EndpointView>(HttpMethod.Put, $"api/v1/namespaces/{options.Namespace}/endpoints", registration, cancellationToken)
            ?? throw new SiloApiException("endpoint registration returned no body");
        _name = view.Name;
        Log.Registered(logger, view.Name, options.Service!);
    }

    internal sealed record RenewRequest(IReadOnlyList<string> Names, int TtlSeconds);

    internal sealed record RenewResult(IReadOnlyList<string>? Missing);

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Information, "Registered endpoint {Name} of service {Service}")]
        public static partial void Registered(ILogger logger, string name, string service);

        [LoggerMessage(21, LogLevel.Warning, "Lease of endpoint {Name} was lost; registering again")]
        public static partial void LeaseLost(ILogger logger, string name);

        [LoggerMessage(22, LogLevel.Warning, "Endpoint registration failed: {Error}")]
        public static partial void Failed(ILogger logger, string error);

        [LoggerMessage(23, LogLevel.Information, "Deregistered endpoint {Name}")]
        public static partial void Deregistered(ILogger logger, string name);
    }
}
