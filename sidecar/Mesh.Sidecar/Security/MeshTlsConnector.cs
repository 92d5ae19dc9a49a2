using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Routing.Model;
using Mesh.Security.Identity;
using Mesh.Sidecar.Configuration;
using Mesh.Sidecar.LoadBalancing;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Originates mutual TLS to peer sidecars. It is a second connection pool beside the plaintext one, doing the
/// handshake in <see cref="SocketsHttpHandler.ConnectCallback"/>: that is the one place that sees the request that
/// opened the connection, and so the SPIFFE ID the endpoint must present (a handler-wide validation callback would
/// not know it). A peer with another identity or an untrusted chain fails the handshake, which the forwarder reports
/// as a connect failure: 503 with response flag UF.
/// </summary>
internal sealed class MeshTlsConnector : IDisposable
{
    /// <summary>Istio's endpoint label saying the workload's sidecar terminates mTLS (auto-mTLS targets only these).</summary>
    public const string TlsModeLabel = "security.istio.io/tlsMode";

    public static readonly HttpRequestOptionsKey<string> ExpectedIdentity = new("mesh.expected-identity");

    /// <summary>
    /// Set for a peer cluster's gateway: the address to connect to, while the request URI's host names the destination
    /// cluster (<see cref="EndpointRuntime.GatewayHost"/>), so connections are pooled per cluster.
    /// </summary>
    public static readonly HttpRequestOptionsKey<string> GatewayAddress = new("mesh.gateway-address");

    /// <summary>The SNI sent to a peer cluster's gateway (<c>outbound_.PORT_.SUBSET_.HOST</c>).</summary>
    public static readonly HttpRequestOptionsKey<string> GatewaySni = new("mesh.gateway-sni");

    private readonly CertificateStore _store;

    public MeshTlsConnector(CertificateStore store)
    {
        _store = store;
        var handler = Proxy.UpstreamClient.CreateHandler();
        handler.ConnectCallback = ConnectAsync;
        Invoker = new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public HttpMessageInvoker Invoker { get; }

    /// <summary>
    /// ISTIO_MUTUAL always; an explicit DestinationRule TLS setting (DISABLE, SIMPLE, MUTUAL) never; otherwise
    /// Istio's auto-mTLS: when this sidecar has an SVID and the endpoint is a mesh sidecar that has one too.
    /// </summary>
    public bool Applies(ClusterRuntime cluster, EndpointRuntime endpoint)
    {
        var tls = cluster.Config.Tls;
        if (tls.Mode == ClusterTlsMode.IstioMutual)
        {
            return true;
        }

        return !tls.Explicit && !cluster.Config.External && _store.Identity is not null && endpoint.Config.SidecarPort is not null
            && endpoint.Config.Labels.TryGetValue(TlsModeLabel, out var mode) && mode == "istio";
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        string? expected = null;
        context.InitialRequestMessage.Options.TryGetValue(ExpectedIdentity, out expected);
        var protocol = context.InitialRequestMessage.Version.Major == 2 ? SslApplicationProtocol.Http2 : SslApplicationProtocol.Http11;
        var peer = context.DnsEndPoint;
        string? serverName = null;
        if (context.InitialRequestMessage.Options.TryGetValue(GatewayAddress, out var gateway)
            && context.InitialRequestMessage.Options.TryGetValue(GatewaySni, out var sni))
        {
            serverName = sni;
            peer = new DnsEndPoint(gateway, peer.Port);
        }

        return await HandshakeAsync(peer, expected, protocol, cancellationToken, serverName).ConfigureAwait(false);
    }

    /// <summary>
    /// Mutual TLS to a peer sidecar's inbound listener for a proxied TCP connection: ALPN <see cref="MeshTcp"/> tells
    /// it to relay the bytes to its app instead of reading HTTP.
    /// </summary>
    /// <param name="serverName">The SNI for a peer cluster's gateway (<see cref="GatewaySni"/>); the address otherwise.</param>
    public Task<SslStream> ConnectTcpAsync(DnsEndPoint peer, string? expectedIdentity, CancellationToken cancellationToken, string? serverName = null) =>
        HandshakeAsync(peer, expectedIdentity, MeshTcp, cancellationToken, serverName);

    /// <summary>The ALPN protocol of TCP connections relayed between sidecars.</summary>
    public static readonly SslApplicationProtocol MeshTcp = new("mesh-tcp");

    private async Task<SslStream> HandshakeAsync(DnsEndPoint peer, string? expectedIdentity, SslApplicationProtocol protocol, CancellationToken cancellationToken, string? serverName = null)
    {
        var identity = _store.Identity ?? throw new AuthenticationException("ISTIO_MUTUAL needs a workload certificate; start the sidecar with --join-token");
        SpiffeId? expected = null;
        if (expectedIdentity is not null && !SpiffeId.TryParse(expectedIdentity, out expected))
        {
            throw new AuthenticationException($"endpoint identity '{expectedIdentity}' is not a SPIFFE ID");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        Stream? stream = null;
        string? refusal = null;
        try
        {
            await socket.ConnectAsync(peer, cancellationToken);
            stream = new NetworkStream(socket, ownsSocket: true);
            var ssl = new SslStream(stream, leaveInnerStreamOpen: false);
            stream = ssl;
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = serverName ?? peer.Host,
                ClientCertificateContext = identity.Context,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                ApplicationProtocols = [protocol],
                RemoteCertificateValidationCallback = (_, certificate, chain, _) =>
                {
                    var result = _store.Validate(certificate, chain, expected);
                    refusal = result.FailureReason;
                    return result.IsValid;
                },
            }, cancellationToken).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex)
        {
            socket.Dispose();
            if (stream is not null)
            {
                await stream.DisposeAsync();
            }

            if (ex is AuthenticationException && refusal is not null)
            {
                throw new AuthenticationException($"peer {peer.Host}:{peer.Port} refused: {refusal}", ex);
            }

            throw;
        }
    }

    public void Dispose() => Invoker.Dispose();
}
