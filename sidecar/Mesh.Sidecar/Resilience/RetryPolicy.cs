using Mesh.Routing.Model;

namespace Mesh.Sidecar.Resilience;

/// <summary>How an attempt failed before producing a usable response.</summary>
internal enum AttemptFailure
{
    None,
    ConnectFailure,
    Reset,
    PerTryTimeout,
}

/// <summary>A route's retry settings with the retry-on conditions parsed once into flags.</summary>
internal sealed class RetryPolicy
{
    private readonly bool _on5xx;
    private readonly bool _onGatewayError;
    private readonly bool _onConnectFailure;
    private readonly bool _onReset;
    private readonly bool _onRetriable4xx;
    private readonly HashSet<int> _statusCodes = [];

    public RetryPolicy(RetryConfig config)
    {
        Config = config;
        foreach (var raw in config.RetryOn)
        {
            var condition = raw.Trim().ToLowerInvariant();
            switch (condition)
            {
                case "5xx": _on5xx = true; break;
                case "gateway-error": _onGatewayError = true; break;
                case "connect-failure": _onConnectFailure = true; break;
                case "reset" or "refused-stream": _onReset = true; break;
                case "retriable-4xx": _onRetriable4xx = true; break;
                // cancelled, unavailable, deadline-exceeded, resource-exhausted: gRPC status conditions (Istio's
                // default retryOn lists some); they never match a plain HTTP status.
                default:
                    if (int.TryParse(condition, out var code))
                    {
                        _statusCodes.Add(code);
                    }

                    break;
            }
        }

        foreach (var code in config.RetriableStatusCodes)
        {
            _statusCodes.Add(code);
        }
    }

    public RetryConfig Config { get; }

    public int MaxRetries => Config.Attempts;

    public bool ShouldRetry(int statusCode) =>
        (_on5xx && statusCode >= 500)
        || (_onGatewayError && statusCode is 502 or 503 or 504)
        || (_onRetriable4xx && statusCode == 409)
        || _statusCodes.Contains(statusCode);

    /// <summary>Per-try timeouts are retried like a 504 (Envoy); connect failures and resets are covered by 5xx too.</summary>
    public bool ShouldRetry(AttemptFailure failure) => failure switch
    {
        AttemptFailure.ConnectFailure => _onConnectFailure || _on5xx || _onGatewayError,
        AttemptFailure.Reset => _onReset || _on5xx,
        AttemptFailure.PerTryTimeout => _on5xx || _onGatewayError || _statusCodes.Contains(504),
        _ => false,
    };
}
