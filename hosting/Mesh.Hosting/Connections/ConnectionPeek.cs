using System.IO.Pipelines;
using Microsoft.AspNetCore.Connections;

namespace Mesh.Hosting.Connections;

/// <summary>Reads the first bytes of a connection for protocol sniffing (TLS or plaintext, h2c or HTTP/1.1).</summary>
public static class ConnectionPeek
{
    /// <summary>
    /// The next read of the connection, or null when the client went away before sending anything more. That is
    /// normal (TCP health checks, load generators closing idle connections) and not an error worth a log line.
    /// </summary>
    public static async ValueTask<ReadResult?> ReadAsync(ConnectionContext connection)
    {
        try
        {
            return await connection.Transport.Input.ReadAsync(connection.ConnectionClosed);
        }
        catch (OperationCanceledException) when (connection.ConnectionClosed.IsCancellationRequested)
        {
            return null;
        }
        catch (ConnectionResetException)
        {
            return null;
        }
    }
}
