using Mesh.Contracts.Protocol;
using Mesh.Routing;
using Mesh.Sidecar.State;
using Microsoft.Extensions.Logging;

namespace Mesh.Sidecar.Configuration;

/// <summary>
/// Compiles a candidate resource set and, only if every step succeeds, swaps it in and saves it to the state file.
/// On failure the previous configuration stays in force and the error text is returned for the NACK.
/// </summary>
internal sealed partial class ConfigApplier(
    IProxyConfigCompiler compiler,
    RuntimeConfigBuilder builder,
    ProxyConfigHolder holder,
    StateFile stateFile,
    NodeInfo node,
    Security.SecurityConfig security,
    ILogger<ConfigApplier> logger)
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>The resources behind the configuration in force (what a resume sends the revision of).</summary>
    public ResourceState Accepted { get; private set; } = ResourceState.Empty;

    /// <summary>Returns null when applied, or the reason it was rejected.</summary>
    public async Task<string?> ApplyAsync(ResourceState candidate, string origin, bool persist, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            RuntimeConfig runtime;
            (Security.InboundPolicy Policy, Mesh.Security.Ca.TrustBundle? Bundle) inbound;
            try
            {
                var proxyConfig = compiler.Compile([.. candidate.Resources.Values], node, candidate.Revision);
                runtime = builder.Build(proxyConfig);
                inbound = security.Prepare(candidate, proxyConfig);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.Rejected(logger, candidate.Revision, ex.Message);
                return ex.Message;
            }

            holder.Swap(runtime, origin);
            security.Commit(inbound.Policy, inbound.Bundle);
            Accepted = candidate;
            Log.Applied(logger, candidate.Revision, origin, runtime.Source.VirtualHosts.Count, runtime.Clusters.Count);
            if (persist)
            {
                try
                {
                    await stateFile.SaveAsync(candidate, cancellationToken);
                }
                catch (IOException ex)
                {
                    // Routing already uses the new config; only the restart fallback is stale.
                    Log.SaveFailed(logger, stateFile.Path, ex.Message);
                }
            }

            return null;
        }
        finally
        {
            _gate.Release();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Information, "Applied configuration revision {Revision} from {Origin}: {VirtualHosts} virtual hosts, {Clusters} clusters")]
        public static partial void Applied(ILogger logger, long revision, string origin, int virtualHosts, int clusters);

        [LoggerMessage(2, LogLevel.Warning, "Rejected configuration revision {Revision}: {Error}")]
        public static partial void Rejected(ILogger logger, long revision, string error);

        [LoggerMessage(3, LogLevel.Warning, "Could not save state file {Path}: {Error}")]
        public static partial void SaveFailed(ILogger logger, string path, string error);
    }
}
