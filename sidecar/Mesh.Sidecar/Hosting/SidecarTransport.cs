using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Mesh.Sidecar.Hosting;

/// <summary>Socket and thread settings for proxying (measured in docs/benchmarks.md, "Sidecar proxy").</summary>
internal static class SidecarTransport
{
    internal const string InlineCompletionsVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>
    /// Makes System.Net.Sockets run socket completions on its event threads (one per core) instead of handing each
    /// one to the thread pool. A proxied request completes four socket operations (read request, write upstream,
    /// read response, write response); on a 2-core machine each thread-pool hop is a context switch, and those hops
    /// were most of the CPU a request cost. The runtime reads this variable once, when the first socket is created,
    /// so it is set before anything else runs. An operator's own setting (for example 0) wins.
    /// </summary>
    public static void PreferInlineSocketCompletions()
    {
        if (Environment.GetEnvironmentVariable(InlineCompletionsVariable) is null)
        {
            Environment.SetEnvironmentVariable(InlineCompletionsVariable, "1");
        }
    }

    public static void ConfigureSidecarTransport(this WebApplicationBuilder builder) =>
        builder.WebHost.UseSockets(sockets =>
        {
            // Kestrel's side of the same choice: request processing continues on the socket's thread. This is safe
            // because nothing on the request path blocks (config is read lock-free, logs and metrics only enqueue)
            // and the one heavy job, compiling a pushed configuration, hops to the thread pool (SubscriptionClient).
            sockets.UnsafePreferInlineScheduling = Environment.GetEnvironmentVariable(InlineCompletionsVariable) != "0";
            // Read straight into a pooled buffer instead of a zero-byte read first: one receive syscall per request
            // instead of two, for 4 KB held per idle downstream connection.
            sockets.WaitForDataBeforeAllocatingBuffer = false;
        });
}
