using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// A raw TCP server on a loopback port that answers each line it receives with <c>NAME line</c>, optionally over
/// TLS with its own certificate (to show a passthrough proxy did not terminate it). Counts the connections it accepted.
/// </summary>
internal sealed class LineServer : IAsyncDisposable
{
    private readonly Socket _listener;
    private readonly X509Certificate2? _certificate;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _connections;

    private LineServer(string name, X509Certificate2? certificate)
    {
        Name = name;
        _certificate = certificate;
        _listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(128);
        Port = ((IPEndPoint)_listener.LocalEndPoint!).Port;
        _accepting = AcceptAsync();
    }

    public string Name { get; }
    public int Port { get; }
    public int Connections => Volatile.Read(ref _connections);

    public static LineServer Start(string name, X509Certificate2? certificate = null) => new(name, certificate);

    /// <summary>Sends <paramref name="line"/> to <paramref name="port"/> on loopback and returns the answer line.</summary>
    public static async Task<string?> AskAsync(int port, string line, string? tlsHost = null, X509Certificate2? expectServer = null, CancellationToken cancellationToken = default)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port, cancellationToken);
        Stream stream = client.GetStream();
        if (tlsHost is not null)
        {
            var ssl = new SslStream(stream);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = tlsHost,
                RemoteCertificateValidationCallback = (_, certificate, _, _) => expectServer is null || certificate?.GetCertHashString() == expectServer.Thumbprint,
            }, cancellationToken);
            stream = ssl;
        }

        await using (stream)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\n"), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
            return await reader.ReadLineAsync(cancellationToken);
        }
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            Interlocked.Increment(ref _connections);
            _ = ServeAsync(socket);
        }
    }

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (_certificate is not null)
            {
                var ssl = new SslStream(stream);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _certificate }, _stop.Token);
                stream = ssl;
            }

            await using (stream)
            {
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                while (await reader.ReadLineAsync(_stop.Token) is { } line)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes($"{Name} {line}\n"), _stop.Token);
                    await stream.FlushAsync(_stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException or System.Security.Authentication.AuthenticationException or ObjectDisposedException)
        {
            // the client went away or the test is over
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Dispose();
        await _accepting;
        _stop.Dispose();
    }
}
