using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace Mesh.Silo.Federation;

/// <summary>
/// gRPC channels to a peer cluster's silos. Over <c>https</c> the peer's silo must present a certificate chaining to
/// the peer's roots (from the token, then from the peering), never to the machine's public CAs, and this silo
/// presents its own (mutual TLS) when it has one.
/// </summary>
internal static class FederationChannels
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(3);

    /// <param name="clientCertificate">This silo's own certificate, presented to an <c>https</c> peer (mutual TLS).</param>
    public static GrpcChannel Open(string address, IReadOnlyList<string> peerRoots, X509Certificate2? clientCertificate = null)
    {
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = ConnectTimeout,
            KeepAlivePingDelay = TimeSpan.FromSeconds(5),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(5),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) => ChainsTo(certificate, peerRoots);
        if (clientCertificate is not null)
        {
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => clientCertificate;
        }
        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = true });
    }

    internal static bool ChainsTo(X509Certificate? certificate, IReadOnlyList<string> roots)
    {
        if (certificate is null || roots.Count == 0)
        {
            return false;
        }

        using var leaf = new X509Certificate2(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        foreach (var pem in roots)
        {
            chain.ChainPolicy.CustomTrustStore.Add(X509Certificate2.CreateFromPem(pem));
        }

        return chain.Build(leaf);
    }
}
