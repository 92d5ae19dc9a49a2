namespace Mesh.Silo.Certificates;

/// <summary>Log events of the silo's CA (event ids 600-619). Never carries keys, the KEK or tokens.</summary>
internal static partial class CaLog
{
    [LoggerMessage(EventId = 600, Level = LogLevel.Information, Message = "CA ready: trust domain {TrustDomain}, signer {Thumbprint}, {RootCount} trusted root(s)")]
    public static partial void Ready(ILogger logger, string trustDomain, string thumbprint, int rootCount);

    [LoggerMessage(EventId = 601, Level = LogLevel.Information, Message = "Generated a new CA root {Thumbprint}")]
    public static partial void RootGenerated(ILogger logger, string thumbprint);

    [LoggerMessage(EventId = 602, Level = LogLevel.Information, Message = "Imported CA credential {Thumbprint} from {CertificateFile}")]
    public static partial void RootImported(ILogger logger, string thumbprint, string certificateFile);

    [LoggerMessage(EventId = 603, Level = LogLevel.Information, Message = "Another silo created the CA root first; using it")]
    public static partial void RootRaceLost(ILogger logger);

    [LoggerMessage(EventId = 604, Level = LogLevel.Error, Message = "CA not available: {Reason}")]
    public static partial void Unavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 605, Level = LogLevel.Warning, Message = "No key-encryption key configured; using an ephemeral one (in-memory store only)")]
    public static partial void EphemeralKek(ILogger logger);

    [LoggerMessage(EventId = 606, Level = LogLevel.Warning, Message = "CA bootstrap waits for the store or the CA grain: {Reason}")]
    public static partial void StoreUnavailable(ILogger logger, string reason);

    [LoggerMessage(EventId = 607, Level = LogLevel.Information, Message = "Published trust bundle with {RootCount} root(s) at revision {Revision}")]
    public static partial void BundlePublished(ILogger logger, int rootCount, long revision);

    [LoggerMessage(EventId = 608, Level = LogLevel.Information, Message = "Issued certificate {Serial} for {SpiffeId} (expires {NotAfter:u}, via {Method})")]
    public static partial void Issued(ILogger logger, string serial, string spiffeId, DateTimeOffset notAfter, string method);

    [LoggerMessage(EventId = 609, Level = LogLevel.Information, Message = "CA root {Thumbprint}: {Change}")]
    public static partial void RootChanged(ILogger logger, string thumbprint, string change);

    [LoggerMessage(EventId = 610, Level = LogLevel.Warning, Message = "Certificate request refused: {Reason}")]
    public static partial void Refused(ILogger logger, string reason);
}
