using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using Mesh.Sidecar.Telemetry;

namespace Mesh.Sidecar.Connections;

/// <summary>
/// Copies a proxied connection's bytes both ways until both directions have ended, counting them as they pass.
/// An end of input in one direction is passed on as a half-close (TCP FIN, or TLS close_notify to a peer sidecar),
/// so protocols that signal "done sending" by closing their write side keep working; a failure in either direction
/// ends both.
/// </summary>
internal static class ConnectionRelay
{
    private const int ChunkSize = 16 * 1024;

    public static async Task RunAsync(IDuplexPipe downstream, Stream upstream, IstioMetrics.TcpSeries counters, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var toUpstream = ToUpstreamAsync(downstream.Input, upstream, counters, failed);
        var toDownstream = ToDownstreamAsync(upstream, downstream.Output, counters, failed);
        await Task.WhenAll(toUpstream, toDownstream).ConfigureAwait(false);
    }

    private static async Task ToUpstreamAsync(PipeReader input, Stream upstream, IstioMetrics.TcpSeries counters, CancellationTokenSource failed)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var result = await input.ReadAsync(failed.Token).ConfigureAwait(false);
                foreach (var segment in result.Buffer)
                {
                    await upstream.WriteAsync(segment, failed.Token).ConfigureAwait(false);
                    Interlocked.Add(ref counters.ReceivedBytes, segment.Length);
                }

                input.AdvanceTo(result.Buffer.End);
                if (result.IsCompleted || result.IsCanceled)
                {
                    break;
                }
            }

            await upstream.FlushAsync(failed.Token).ConfigureAwait(false);
            await HalfCloseAsync(upstream).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            error = ex;
            await failed.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            await input.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private static async Task ToDownstreamAsync(Stream upstream, PipeWriter output, IstioMetrics.TcpSeries counters, CancellationTokenSource failed)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                var memory = output.GetMemory(ChunkSize);
                var read = await upstream.ReadAsync(memory, failed.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                output.Advance(read);
                Interlocked.Add(ref counters.SentBytes, read);
                var flush = await output.FlushAsync(failed.Token).ConfigureAwait(false);
                if (flush.IsCompleted || flush.IsCanceled)
                {
                    break;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or SocketException or OperationCanceledException or ObjectDisposedException or Microsoft.AspNetCore.Connections.ConnectionResetException)
        {
            error = ex;
            await failed.CancelAsync().ConfigureAwait(false);
        }
        finally
        {
            await output.CompleteAsync(error).ConfigureAwait(false);
        }
    }

    private static async Task HalfCloseAsync(Stream upstream)
    {
        switch (upstream)
        {
            case SslStream ssl:
                await ssl.ShutdownAsync().ConfigureAwait(false);
                break;
            case NetworkStream network:
                network.Socket.Shutdown(SocketShutdown.Send);
                break;
            default:
                break;
        }
    }
}
