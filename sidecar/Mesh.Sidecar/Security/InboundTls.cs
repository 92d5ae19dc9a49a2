using System.Net.Security;
using System.Runtime.CompilerServices;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Mesh.Security.Identity;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Mesh.Sidecar.Security;

/// <summary>
/// Istio PERMISSIVE on one port: the inbound listener peeks at the first byte of each connection. 0x16 (a TLS
/// handshake record) goes to a TLS pipeline presenting the current SVID and asking for a client certificate;
/// anything else stays plaintext. The effective mode decides what is refused: STRICT closes plaintext connections,
/// DISABLE closes TLS ones (Envoy resets them; a client sees the connection drop, a peer sidecar answers 503 UF).
/// TLS without a client certificate is let through the handshake and refused per request in STRICT, which also
/// catches a mode change on a kept-alive connection.
/// </summary>
internal sealed class InboundTls(CertificateStore store, SecurityConfig security)
{
    private const byte TlsHandshakeRecord = 0x16;

    // Validated peers by certificate instance: the handshake validates once, requests look the result up. The bundle
    // it was validated against is kept with it: when the roots change (a root retired, a peer cluster's roots removed
    // with its peering), a kept-alive connection is validated again on its next request instead of trusted forever.
    private readonly ConditionalWeakTable<X509Certificate, ValidatedPeer> _peers = new();

    private sealed record ValidatedPeer(SpiffeId Id, Mesh.Security.Ca.TrustBundle Bundle, X509Certificate2Collection Intermediates);

    public TlsHandshakeCallbackOptions HandshakeOptions => new()
    {
        HandshakeTimeout = TimeSpan.FromSeconds(10),
        OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
        {
            ServerCertificateContext = (store.Identity ?? throw new AuthenticationException("no workload certificate yet")).Context,
            ClientCertificateRequired = true,
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            ApplicationProtocols = [SslApplicationProtocol.Http2, SslApplicationProtocol.Http11, MeshTlsConnector.MeshTcp],
            RemoteCertificateValidationCallback = ValidateClient,
        }),
    };

    public async Task RouteAsync(ConnectionContext connection, ConnectionDelegate tls, ConnectionDelegate plaintext)
    {
        var input = connection.Transport.Input;
        if (await Mesh.Hosting.Connections.ConnectionPeek.ReadAsync(connection) is not { } result)
        {
            return;
        }

        var isTls = !result.Buffer.IsEmpty && result.Buffer.FirstSpan[0] == TlsHandshakeRecord;
        input.AdvanceTo(result.Buffer.Start);
        if (result.Buffer.IsEmpty)
        {
            return;
        }

        var mode = security.Current.Mode;
        if (isTls ? mode == Routing.Model.MtlsMode.Disable : mode == Routing.Model.MtlsMode.Strict)
        {
            connection.Abort(new ConnectionAbortedException(isTls ? "TLS refused: PeerAuthentication DISABLE" : "plaintext refused: PeerAuthentication STRICT"));
            return;
        }

        await (isTls ? tls : plaintext)(connection);
    }

    /// <summary>The SPIFFE ID of the peer certificate the handshake accepted, or null.</summary>
    public SpiffeId? PeerOf(X509Certificate2? certificate) => PeerOf(certificate, out _);

    /// <param name="untrustedNow">
    /// True when the handshake accepted the certificate but the current roots no longer do: the connection should
    /// close after the request in hand.
    /// </param>
    public SpiffeId? PeerOf(X509Certificate2? certificate, out bool untrustedNow)
    {
        untrustedNow = false;
        if (certificate is null)
        {
            return null;
        }

        var bundle = store.TrustBundle;
        if (_peers.TryGetValue(certificate, out var peer))
        {
            if (!ReferenceEquals(peer.Bundle, bundle))
            {
                untrustedNow = store.Validate(certificate, peer.Intermediates).SpiffeId is null;
                if (!untrustedNow)
                {
                    _peers.AddOrUpdate(certificate, peer with { Bundle = bundle });
                }
            }

            return peer.Id;
        }

        // A different instance than the handshake saw: validate again (rare).
        return store.Validate(certificate, (X509Chain?)null).SpiffeId;
    }

    private bool ValidateClient(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate is null)
        {
            return true; // no certificate: allowed by PERMISSIVE, refused per request under STRICT
        }

        var bundle = store.TrustBundle;
        var result = store.Validate(certificate, chain);
        if (result.SpiffeId is { } id)
        {
            _peers.AddOrUpdate(certificate, new ValidatedPeer(id, bundle, [.. chain?.ChainPolicy.ExtraStore ?? []]));
            return true;
        }

        return false;
    }
}
