using System.Text;
using Grpc.Core;
using Mesh.Contracts.Protocol.Federation;
using Mesh.Grains.Federation;
using Mesh.Silo.Certificates;

namespace Mesh.Silo.Federation;

/// <summary>
/// The dialing side's loop: opens the peering stream to one of the peer's silos, runs the session, and when it ends
/// tries the next silo after a growing delay. It never blocks anything local: the peer being down only shows in the
/// peering's state and last error.
/// </summary>
internal sealed partial class PeerDialer(
    PeerSession session, CertificateAuthorityService ca, IServiceProvider services, SiloOptions options, TimeProvider time, ILogger<PeerDialer> logger)
{
    public const string PeerHeader = "mesh-peer";

    public async Task RunAsync(PeeringRecord peering, PeerLinkState state, CancellationToken cancellationToken)
    {
        var delay = options.Federation.ReconnectDelay;
        for (var attempt = 0; !cancellationToken.IsCancellationRequested; attempt++)
        {
            var address = peering.Addresses[attempt % peering.Addresses.Count];
            try
            {
                var credential = Encoding.UTF8.GetString(ca.RequireKek().Open(peering.SealedCredential ?? "", PeeringCredentials.AssociatedData(peering.Name), "peering credential"));
                // A silo serving its self-issued certificate presents it to https peers (mutual TLS).
                using var channel = FederationChannels.Open(address, peering.Roots, services.GetService<ServingCertificateProvider>()?.Current);
                var headers = new Metadata { { "authorization", "Bearer " + credential }, { PeerHeader, peering.RemoteName } };
                using var call = new MeshFederation.MeshFederationClient(channel).Exchange(headers, cancellationToken: cancellationToken);
                await session.RunAsync(peering, call.ResponseStream, call.RequestStream, () =>
                {
                    state.Connected = true;
                    state.LastError = null;
                    delay = options.Federation.ReconnectDelay;
                }, cancellationToken);
                state.LastError = $"the stream to {address} ended";
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                state.LastError = ex is RpcException rpc ? $"{address}: {rpc.Status.StatusCode}: {rpc.Status.Detail}" : $"{address}: {ex.Message}";
                LogStreamFailed(logger, peering.Name, state.LastError);
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            finally
            {
                state.Connected = false;
            }

            try
            {
                await Task.Delay(delay, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, options.Federation.ReconnectDelay.Ticks * 8));
        }
    }

    [LoggerMessage(EventId = 1403, Level = LogLevel.Information, Message = "Peering stream to {Peer} failed: {Problem}")]
    private static partial void LogStreamFailed(ILogger logger, string peer, string problem);
}

/// <summary>What the dialing loop reports to its grain (written by the loop, read by status calls).</summary>
internal sealed class PeerLinkState
{
    public volatile bool Connected;
    public volatile string? LastError;
}
