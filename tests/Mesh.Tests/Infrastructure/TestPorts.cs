using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Mesh.Tests.Infrastructure;

/// <summary>
/// Ports for the servers tests start (silos, PostgreSQL, listeners a sidecar opens from configuration). A port the
/// kernel hands out for "port 0" comes from its ephemeral range, which is also where the local end of every outgoing
/// connection comes from: between a test choosing such a port and its server binding it, or while a killed silo is
/// restarted on its old port, one of the suite's thousands of client connections could take it. These come from below
/// that range (26000 up to where it starts), where only an explicit bind can, and each is checked free when handed out.
/// The blocks the local-mesh scripts are started on lie below 26000 (LocalMeshProcess.FindFreeBase in the tests).
/// </summary>
internal static class TestPorts
{
    private const int First = 26000;
    private static readonly int End = EphemeralRangeStart();
    private static int _counter = Random.Shared.Next(1 << 20);

    public static int Next()
    {
        var size = End - First;
        if (size < 1000)
        {
            return KernelChosen();
        }

        for (var tries = 0; tries < size; tries++)
        {
            var port = First + (int)((uint)Interlocked.Increment(ref _counter) % (uint)size);
            if (IsFree(port))
            {
                return port;
            }
        }

        throw new InvalidOperationException($"no free port between {First} and {End}");
    }

    /// <summary>Nothing listens on the loopback port now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int KernelChosen()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static int EphemeralRangeStart()
    {
        const string range = "/proc/sys/net/ipv4/ip_local_port_range";
        return File.Exists(range) && int.TryParse(File.ReadAllText(range).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries)[0], NumberStyles.None, CultureInfo.InvariantCulture, out var start)
            ? Math.Min(start, 32768)
            : 32768;
    }
}
