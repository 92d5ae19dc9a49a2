namespace Mesh.Contracts.Resources;

/// <summary>
/// The DestinationRule annotations that set token rate limits for model servers (docs/ai-traffic.md, "Token limits"):
/// read by the routing compiler, checked by the validator.
/// </summary>
public static class TokenLimitAnnotations
{
    public const string PromptTokensPerMinute = "ratelimit.mesh.dev/prompt-tokens-per-minute";
    public const string CompletionTokensPerMinute = "ratelimit.mesh.dev/completion-tokens-per-minute";
    public const string Key = "ratelimit.mesh.dev/token-limit-key";

    /// <summary>The key value that names a request header: <c>header:NAME</c>. The other value is <c>principal</c>.</summary>
    public const string HeaderKeyPrefix = "header:";
    public const string PrincipalKey = "principal";
    public const long MaxTokensPerMinute = 1L << 40;
}

/// <summary>The DestinationRule annotation naming where inference requests go when the host's servers refuse them.</summary>
public static class FallbackAnnotation
{
    /// <summary><c>host</c> or <c>host:port</c>; without a port, the fallback host's first port.</summary>
    public const string Name = "inference.mesh.dev/fallback";

    /// <summary>Splits <c>host[:port]</c>; false when a port is given but is not 1-65535.</summary>
    public static bool TryParse(string value, out string host, out int? port)
    {
        var colon = value.LastIndexOf(':');
        host = colon > 0 ? value[..colon] : value;
        port = null;
        if (colon <= 0)
        {
            return true;
        }

        if (int.TryParse(value.AsSpan(colon + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is > 0 and <= 65535)
        {
            port = number;
            return true;
        }

        return false;
    }
}

