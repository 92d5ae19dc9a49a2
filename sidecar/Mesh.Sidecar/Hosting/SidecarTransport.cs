using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Mesh.Sidecar.Hosting;

/// <summary>Socket transport settings for proxying (measured in docs/benchmarks-proxy.md).</summary>
internal static class SidecarTransport
{
    public static void ConfigureSidecarTransport(this WebApplicationBuilder builder) =>
        builder.WebHost.UseSockets(sockets =>
        {
            // Run request continuations on the socket I/O thread instead of queueing them to the thread pool: the
            // proxy's request path never blocks (config is read lock-free, logs and metrics only enqueue), and on a
            // 2-core sidecar the thread-pool hop per read is a large share of the CPU per request.
            sockets.UnsafePreferInlineScheduling = true;
        });
}
