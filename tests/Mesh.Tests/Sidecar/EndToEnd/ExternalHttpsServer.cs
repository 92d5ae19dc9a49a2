using System.Net;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// An "external" HTTPS service on loopback with its own CA: answers <c>tls client=SUBJECT</c> naming the client
/// certificate it was shown (one issued by <paramref name="clientCa"/>), or <c>none</c>.
/// </summary>
internal sealed class ExternalHttpsServer(WebApplication app, int port) : IAsyncDisposable
{
    private int _requests;

    public int Port { get; } = port;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<ExternalHttpsServer> StartAsync(X509Certificate2 certificate, X509Certificate2 clientCa)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.UseHttps(new HttpsConnectionAdapterOptions
        {
            ServerCertificate = certificate,
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (presented, _, _) => presented.Issuer == clientCa.Subject,
        })));
        var app = builder.Build();
        ExternalHttpsServer? server = null;
        app.MapGet("/", (HttpContext context) =>
        {
            Interlocked.Increment(ref server!._requests);
            return $"tls client={context.Connection.ClientCertificate?.Subject ?? "none"}";
        });
        await app.StartAsync();
        server = new ExternalHttpsServer(app, new Uri(app.Urls.First()).Port);
        return server;
    }

    public async ValueTask DisposeAsync() => await app.DisposeAsync();
}
