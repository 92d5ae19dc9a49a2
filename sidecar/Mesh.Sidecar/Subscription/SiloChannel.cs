using System.Net.Http;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Protocol.V1;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// One gRPC stream to one silo and its connection. HTTP/2 PING keeps it honest: a silo that stops answering is
/// detected within <see cref="KeepAlivePingDelay"/> + <see cref="KeepAlivePingTimeout"/> even when nothing changes.
/// Requests are written one at a time because ACKs and outlier reports come from different loops.
/// </summary>
internal sealed class SiloChannel : IDisposable
{
    internal static readonly TimeSpan KeepAlivePingDelay = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan KeepAlivePingTimeout = TimeSpan.FromSeconds(5);
    internal static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);

    // A full response for a large mesh is big (the bench's 100,000 endpoints are tens of MB); gRPC's 4 MB default
    // would turn that into a failed stream.
    private const int MaxResponseBytes = 256 * 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly AsyncDuplexStreamingCall<SubscribeRequest, SubscribeResponse> _call;
    private readonly SemaphoreSlim _sendLock = new(1, 1);

    /// <param name="clientCertificate">The workload's SVID, presented to a TLS silo so it can authenticate the subscription by identity.</param>
    public SiloChannel(
        Uri silo,
        string? token,
        System.Net.Security.RemoteCertificateValidationCallback? validateSilo,
        System.Net.Security.SslStreamCertificateContext? clientCertificate,
        CancellationToken cancellationToken)
    {
        _channel = Open(silo, validateSilo, clientCertificate);
        _call = new MeshDiscovery.MeshDiscoveryClient(_channel).Subscribe(Headers(token), cancellationToken: cancellationToken);
    }

    /// <summary>A channel to <paramref name="silo"/> as every sidecar-to-silo call needs it: kept alive by PING, TLS checked against the silo's identity.</summary>
    public static GrpcChannel Open(Uri silo, System.Net.Security.RemoteCertificateValidationCallback? validateSilo,
        System.Net.Security.SslStreamCertificateContext? clientCertificate)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            KeepAlivePingDelay = KeepAlivePingDelay,
            KeepAlivePingTimeout = KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = validateSilo;
        handler.SslOptions.ClientCertificateContext = clientCertificate;
        return GrpcChannel.ForAddress(silo, new GrpcChannelOptions
        {
            HttpHandler = handler,
            DisposeHttpClient = true,
            MaxReceiveMessageSize = MaxResponseBytes,
        });
    }

    /// <summary>The bearer token, when the sidecar has one (a workload certificate authenticates it otherwise).</summary>
    public static Metadata Headers(string? token)
    {
        var headers = new Metadata();
        if (token is not null)
        {
            headers.Add("authorization", $"Bearer {token}");
        }

        return headers;
    }
    public async Task SendAsync(SubscribeRequest request, CancellationToken cancellationToken)
    {
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _call.RequestStream.WriteAsync(request, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }

    /// <summary>The next response, or null when the silo ended the stream with status OK.</summary>
    public async Task<SubscribeResponse?> ReceiveAsync(CancellationToken cancellationToken) =>
        await _call.ResponseStream.MoveNext(cancellationToken) ? _call.ResponseStream.Current : null;

    public void Dispose()
    {
        _call.Dispose();
        _channel.Dispose();
        _sendLock.Dispose();
    }
}
