using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.Hosting;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Subscription;

/// <summary>
/// Takes slices of cluster-wide token budgets from the silos (<c>mesh.budgets.v1.MeshTokenBudgets/Take</c>). One
/// channel at a time, to the silo the subscription would pick first; a failed call moves to the next silo. Returns
/// null when no silo answered in time, so the caller can fail open.
/// </summary>
internal sealed partial class TokenBudgetClient(
    SidecarOptions options, NodeInfo node, Security.SiloTrust siloTrust, Security.CertificateStore certificates, ILogger<TokenBudgetClient> logger) : IDisposable
{
    internal static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(1);

    private readonly Lock _gate = new();
    private int _index = options.Silos.Count == 0 ? 0 : (int)(LoadBalancing.StableHash.Hash(node.Id) % (ulong)options.Silos.Count);
    private GrpcChannel? _channel;
    private object? _channelIdentity;

    public bool Enabled => options.Silos.Count > 0;

    public async Task<TakeTokensResponse?> TakeAsync(TakeTokensRequest request, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < Math.Min(2, options.Silos.Count); attempt++)
        {
            var (channel, silo) = Current();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(CallTimeout);
            try
            {
                return await new MeshTokenBudgets.MeshTokenBudgetsClient(channel)
                    .TakeAsync(request, SiloChannel.Headers(options.Token), cancellationToken: timeout.Token);
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                Log.TakeFailed(logger, silo, ex.StatusCode, ex.Status.Detail);
                if (ex.StatusCode == StatusCode.InvalidArgument)
                {
                    return null;
                }

                MoveOn(channel);
            }
        }

        return null;
    }

    private (GrpcChannel Channel, Uri Silo) Current()
    {
        lock (_gate)
        {
            var silo = options.Silos[_index % options.Silos.Count];
            // A rotated SVID is presented from the next channel on, as the subscription does per session.
            var identity = certificates.Identity?.Context;
            if (_channel is null || !ReferenceEquals(identity, _channelIdentity))
            {
                _channel?.Dispose();
                _channel = SiloChannel.Open(silo, siloTrust.Callback, identity);
                _channelIdentity = identity;
            }

            return (_channel, silo);
        }
    }

    private void MoveOn(GrpcChannel failed)
    {
        lock (_gate)
        {
            if (ReferenceEquals(_channel, failed))
            {
                _index++;
                _channel.Dispose();
                _channel = null;
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _channel?.Dispose();
            _channel = null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(70, LogLevel.Warning, "Token budget call to silo {Silo} failed ({Status}): {Detail}")]
        public static partial void TakeFailed(ILogger logger, Uri silo, StatusCode status, string detail);
    }
}
