using System.Net;
using System.Net.Sockets;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// Both proxy ports sniff the first bytes of a connection (h2c preface; TLS or plaintext inbound). Clients that
/// connect and leave without sending anything, as TCP health checks and load generators do, are normal traffic.
/// </summary>
public sealed class ConnectionSniffingTests(ITestOutputHelper output) : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("mesh-sniff-");

    [Fact]
    public async Task ConnectionsClosedBeforeTheFirstByte_AreNotErrors_AndTheListenersKeepServing()
    {
        await using var sidecar = await SidecarProcess.StartAsync("sniff", [], Path.Combine(_directory.FullName, "state.json"), output);

        foreach (var port in new[] { sidecar.OutboundPort, sidecar.InboundPort })
        {
            for (var i = 0; i < 20; i++)
            {
                using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await socket.ConnectAsync(IPAddress.Loopback, port);
                if (i % 2 == 0)
                {
                    socket.LingerState = new LingerOption(true, 0); // close with a reset instead of a FIN
                }

                socket.Close();
            }
        }

        // A request after the aborted connections: the outbound port still answers (no configuration: 404 no route).
        using var response = await sidecar.Proxy.GetAsync("http://reviews:9080/");
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("Unhandled exception", sidecar.Process.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", sidecar.Process.Output, StringComparison.Ordinal);
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
