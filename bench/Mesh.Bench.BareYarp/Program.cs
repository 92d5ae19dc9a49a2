using System.Diagnostics;
using System.Net;
using Yarp.ReverseProxy.Forwarder;

// Usage: Mesh.Bench.BareYarp LISTEN_PORT UPSTREAM_URL
// The same runtime choices as the sidecar (sidecar/Mesh.Sidecar/Hosting/SidecarTransport.cs and its csproj), so the
// difference between the two is the mesh's own per-request work.
if (Environment.GetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS") is null)
{
    Environment.SetEnvironmentVariable("DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS", "1");
}

var listenPort = int.Parse(args[0]);
var upstream = args[1];

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.UseSockets(o => { o.UnsafePreferInlineScheduling = true; o.WaitForDataBeforeAllocatingBuffer = false; });
builder.WebHost.ConfigureKestrel(k => { k.AddServerHeader = false; k.Listen(IPAddress.Loopback, listenPort); });
builder.Services.AddHttpForwarder();
var app = builder.Build();

var invoker = new HttpMessageInvoker(new SocketsHttpHandler
{
    UseProxy = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
    UseCookies = false,
    ActivityHeadersPropagator = DistributedContextPropagator.CreateNoOutputPropagator(),
});
var requestConfig = new ForwarderRequestConfig { Version = HttpVersion.Version11, VersionPolicy = HttpVersionPolicy.RequestVersionOrLower };
var forwarder = app.Services.GetRequiredService<IHttpForwarder>();
app.Run(async context => await forwarder.SendAsync(context, upstream, invoker, requestConfig, HttpTransformer.Empty));
app.Run();
