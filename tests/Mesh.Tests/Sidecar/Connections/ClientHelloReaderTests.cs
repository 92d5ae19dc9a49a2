using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;
using Mesh.Sidecar.Connections;

namespace Mesh.Tests.Sidecar.Connections;

/// <summary>The SNI reader on ClientHellos that .NET's own TLS client sends, whole, cut short, split across records, and on non-TLS bytes.</summary>
public sealed class ClientHelloReaderTests
{
    [Fact]
    public async Task RealClientHello_ReadsServerName()
    {
        var hello = await CaptureClientHelloAsync("Orders.Example.Test");

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloReader.Read(new ReadOnlySequence<byte>(hello), out var name));
        Assert.Equal("orders.example.test", name);
    }

    [Fact]
    public async Task ClientHelloCutShort_AsksForMore_AtEveryLength()
    {
        var hello = await CaptureClientHelloAsync("orders.example.test");

        for (var length = 0; length < hello.Length; length += 7)
        {
            Assert.Equal(ClientHelloStatus.Incomplete, ClientHelloReader.Read(new ReadOnlySequence<byte>(hello, 0, length), out _));
        }
    }

    [Fact]
    public async Task ClientHelloFragmentedOverTwoRecords_ReadsServerName()
    {
        var hello = await CaptureClientHelloAsync("split.example.test");
        var payload = hello.AsSpan(5, hello.Length - 5).ToArray();
        var cut = payload.Length / 3;
        var records = Record(hello, payload[..cut]).Concat(Record(hello, payload[cut..])).ToArray();

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloReader.Read(new ReadOnlySequence<byte>(records), out var name));
        Assert.Equal("split.example.test", name);
    }

    [Fact]
    public async Task ClientHelloToAnAddress_HasNoServerName()
    {
        var hello = await CaptureClientHelloAsync("127.0.0.1");

        Assert.Equal(ClientHelloStatus.Complete, ClientHelloReader.Read(new ReadOnlySequence<byte>(hello), out var name));
        Assert.Null(name);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")]
    public void PlainText_IsNotTls(string text) =>
        Assert.Equal(ClientHelloStatus.NotTls, ClientHelloReader.Read(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(text)), out _));

    [Fact]
    public void HandshakeRecordThatIsNotAClientHello_IsNotTls()
    {
        byte[] serverHello = [0x16, 0x03, 0x03, 0x00, 0x04, 0x02, 0x00, 0x00, 0x00];

        Assert.Equal(ClientHelloStatus.NotTls, ClientHelloReader.Read(new ReadOnlySequence<byte>(serverHello), out _));
    }

    [Theory]
    [InlineData("outbound_.9080_._.reviews.default.svc.cluster.local", "outbound|9080||reviews.default.svc.cluster.local")]
    [InlineData("outbound_.9080_.v2_.reviews.default.svc.cluster.local", "outbound|9080|v2|reviews.default.svc.cluster.local")]
    [InlineData("reviews.default.svc.cluster.local", null)]
    [InlineData("outbound_.http_._.reviews", null)]
    [InlineData(null, null)]
    public void AutoPassthroughSni_NamesTheCluster(string? sni, string? cluster) =>
        Assert.Equal(cluster, OutboundConnectionProxy.AutoPassthroughCluster(sni));

    [Theory]
    [InlineData("login.bookinfo.com", "login.bookinfo.com", true)]
    [InlineData("*.bookinfo.com", "login.bookinfo.com", true)]
    [InlineData("*.bookinfo.com", "bookinfo.com", false)]
    [InlineData("login.bookinfo.com", "LOGIN.bookinfo.com", true)]
    [InlineData("login.bookinfo.com", "other.bookinfo.com", false)]
    public void SniHosts_MatchExactOrWildcard(string pattern, string sni, bool matches) =>
        Assert.Equal(matches, OutboundConnectionProxy.SniMatches(pattern, sni));

    /// <summary>One TLS record of the same type and version as <paramref name="template"/>'s, carrying <paramref name="payload"/>.</summary>
    private static byte[] Record(byte[] template, byte[] payload) =>
        [template[0], template[1], template[2], (byte)(payload.Length >> 8), (byte)payload.Length, .. payload];

    /// <summary>The first flight of .NET's TLS client (the ClientHello record) to <paramref name="targetHost"/>, read by a loopback listener.</summary>
    private static async Task<byte[]> CaptureClientHelloAsync(string targetHost)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, ((IPEndPoint)listener.LocalEndpoint).Port);
        using var server = await listener.AcceptTcpClientAsync();
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var ssl = new SslStream(client.GetStream());
        var handshake = ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions { TargetHost = targetHost }, cancel.Token);

        var stream = server.GetStream();
        var header = new byte[5];
        await stream.ReadExactlyAsync(header, cancel.Token);
        var body = new byte[(header[3] << 8) | header[4]];
        await stream.ReadExactlyAsync(body, cancel.Token);
        server.Close();
        await Assert.ThrowsAnyAsync<Exception>(() => handshake);
        await ssl.DisposeAsync();
        return [.. header, .. body];
    }
}
