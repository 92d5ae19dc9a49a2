using Microsoft.Extensions.Logging;

namespace Mesh.Security;

/// <summary>All log events of Mesh.Security (event ids 5000-5099). Messages never carry tokens or keys.</summary>
internal static partial class SecurityLog
{
    [LoggerMessage(5001, LogLevel.Information, "Fetched JWKS from {JwksUri}: {KeyCount} keys")]
    public static partial void JwksFetched(ILogger logger, string jwksUri, int keyCount);

    [LoggerMessage(5002, LogLevel.Warning, "Fetching JWKS from {JwksUri} failed: {Reason}; using {Fallback}")]
    public static partial void JwksFetchFailed(ILogger logger, string jwksUri, string reason, string fallback);
}
