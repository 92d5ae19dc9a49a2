using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.Listeners;
using Mesh.Sidecar.State;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Hosting;

/// <summary>
/// Startup order matters: the saved configuration is loaded before the listeners open, so a restarted sidecar
/// routes from its first request even with every silo down.
/// </summary>
internal static partial class SidecarHost
{
    public static async Task<int> RunAsync(SidecarOptions options)
    {
        // The sidecar is configured by flags and MESH_* variables only, so no watcher thread (and its inotify state) for
        // appsettings files; the host reads this switch from its environment configuration, not from options.
        Environment.SetEnvironmentVariable("DOTNET_hostBuilder__reloadConfigOnChange", "false");
        // Reading and parsing the saved state needs nothing from the host, so it runs on the second core while the host
        // is built: with 1,000 services that takes the parse (about a fifth of the start) off the path to ready.
        var savedState = Task.Run(() => ReadStateFileAsync(new StateFile(options.StateFile)));
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.TimestampFormat = "HH:mm:ss.fff "; });
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Logging.AddFilter("Microsoft", LogLevel.Warning);
        // YARP logs every failed upstream attempt; the sidecar reports those through metrics and the access log.
        builder.Logging.AddFilter("Yarp", LogLevel.None);
        // With any logger enabled for this category, ASP.NET Core starts an Activity and a logging scope for every
        // request; the sidecar has its own spans, access log and metrics, so that is pure per-request cost.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = options.DrainTimeout + TimeSpan.FromSeconds(5));
        builder.Services.AddSidecar(options);
        builder.ConfigureSidecarKestrel(options);
        builder.ConfigureSidecarTransport();

        await using var app = builder.Build();
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Mesh.Sidecar");
        await ApplyStateFileAsync(await savedState, app.Services, logger);
        if (options.JoinToken is not null)
        {
            try
            {
                await app.Services.GetRequiredService<Security.CertificateRotator>().BootstrapAsync(CancellationToken.None);
            }
            catch (Registration.SiloApiException ex)
            {
                // Without an identity the sidecar could neither serve STRICT peers nor call them: fail loudly instead.
                await Console.Error.WriteLineAsync($"mesh-sidecar: could not obtain a workload certificate with --join-token: {ex.Message}");
                return 3;
            }
        }

        var dispatcher = app.Services.GetRequiredService<ListenerDispatcher>();
        app.Run(dispatcher.HandleAsync);
        await app.StartAsync();

        var ports = app.Services.GetRequiredService<ListenerPorts>();
        ports.MarkStarted();
        Console.WriteLine($"sidecar ready outbound={ports.Outbound} inbound={ports.Inbound} admin={ports.Admin} revision={app.Services.GetRequiredService<ProxyConfigHolder>().Current.Revision}");
        _ = ReturnStartupMemoryAsync(app.Services.GetRequiredService<TimeProvider>(), app.Lifetime.ApplicationStopping);
        await app.WaitForShutdownAsync();
        return 0;
    }

    /// <summary>
    /// Start-up leaves garbage behind: the state file's text and parse, the routing compile, the host's build. The GC
    /// keeps that memory committed as budget, so a sidecar with 1,000 services idled at about 50 MB (42 MB after this). One
    /// compacting collection that gives the free memory back, a second after ready, when start-up traffic has settled.
    /// </summary>
    private static async Task ReturnStartupMemoryAsync(TimeProvider time, CancellationToken stopping)
    {
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(1), time, stopping);
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static async Task<(ResourceState? State, string? Error)> ReadStateFileAsync(StateFile file)
    {
        try
        {
            return (await file.LoadAsync(CancellationToken.None), null);
        }
        catch (Exception ex) when (ex is ResourceStateException or IOException)
        {
            return (null, ex.Message);
        }
    }

    private static async Task ApplyStateFileAsync((ResourceState? State, string? Error) saved, IServiceProvider services, ILogger logger)
    {
        var path = services.GetRequiredService<StateFile>().Path;
        var error = saved.Error;
        if (saved.State is { } state)
        {
            error = await services.GetRequiredService<ConfigApplier>().ApplyAsync(state, "state-file", persist: false, CancellationToken.None);
        }

        if (error is not null)
        {
            Log.StateFileRejected(logger, path, error);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Warning, "Ignoring state file {Path}: {Error}")]
        public static partial void StateFileRejected(ILogger logger, string path, string error);
    }
}
