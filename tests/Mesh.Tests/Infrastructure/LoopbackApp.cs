using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mesh.Tests.Infrastructure;

/// <summary>A real Kestrel app on 127.0.0.1 and a free port, for tests that need a server standing in for something.</summary>
internal static class LoopbackApp
{
    /// <summary>
    /// Builds the app, lets <paramref name="configure"/> map it, starts it, and returns it with its port;
    /// <paramref name="listen"/> can add connection middleware to the endpoint.
    /// </summary>
    public static async Task<(WebApplication App, int Port)> StartAsync(Action<WebApplication> configure, HttpProtocols protocols = HttpProtocols.Http1,
        Action<ListenOptions>? listen = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l =>
        {
            l.Protocols = protocols;
            listen?.Invoke(l);
        }));
        var app = builder.Build();
        configure(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return (app, new Uri(address).Port);
    }
}
