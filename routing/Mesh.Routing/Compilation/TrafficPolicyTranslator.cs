using System.Globalization;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;

namespace Mesh.Routing.Compilation;

/// <summary>DestinationRule traffic policy to cluster settings, with Istio's defaults.</summary>
internal static class TrafficPolicyTranslator
{
    public const string RequestsPerSecondAnnotation = "ratelimit.mesh.dev/requests-per-second";
    public const string BurstAnnotation = "ratelimit.mesh.dev/burst";

    /// <summary>A subset's policy replaces the rule's policy field by field (loadBalancer, connectionPool, ...), as in Istio.</summary>
    public static TrafficPolicy? Merge(TrafficPolicy? rule, TrafficPolicy? subset) =>
        subset is null ? rule :
        rule is null ? subset :
        new TrafficPolicy
        {
            LoadBalancer = subset.LoadBalancer ?? rule.LoadBalancer,
            ConnectionPool = subset.ConnectionPool ?? rule.ConnectionPool,
            OutlierDetection = subset.OutlierDetection ?? rule.OutlierDetection,
            Tls = subset.Tls ?? rule.Tls,
        };

    /// <summary>The policy for one destination port: the rule's, with that port's <c>portLevelSettings</c> entry replacing the fields it sets.</summary>
    public static TrafficPolicy? ForPort(TrafficPolicy? policy, int port) =>
        policy?.PortLevelSettings?.FirstOrDefault(p => p.Port?.Number == port) is not { } level ? policy : new TrafficPolicy
        {
            LoadBalancer = level.LoadBalancer ?? policy.LoadBalancer,
            ConnectionPool = level.ConnectionPool ?? policy.ConnectionPool,
            OutlierDetection = level.OutlierDetection ?? policy.OutlierDetection,
            Tls = level.Tls ?? policy.Tls,
        };

    /// <param name="inferencePool">The cluster is an InferencePool's: the endpoint picker unless the policy names a load balancer.</param>
    public static ClusterConfig Apply(ClusterConfig cluster, TrafficPolicy? policy, MeshResource? rule, bool inferencePool = false) => cluster with
    {
        LoadBalancer = InferencePicker(rule, LoadBalancer(policy?.LoadBalancer), inferencePool && policy?.LoadBalancer is null),
        OutlierDetection = Outlier(policy?.OutlierDetection),
        ConnectionPool = Pool(policy?.ConnectionPool),
        Tls = Tls(policy?.Tls),
        RateLimit = RateLimit(rule),
        TokenLimit = TokenLimit(rule),
    };

    /// <summary>
    /// UNSPECIFIED keeps round robin (Istio would pick least-request); PASSTHROUGH has no meaning without a cluster IP and
    /// is treated as round robin.
    /// </summary>
    public static LoadBalancerConfig LoadBalancer(LoadBalancerSettings? lb) =>
        LocalityPolicyTranslator.Apply(Algorithm(lb), lb?.LocalityLbSetting);

    private static LoadBalancerConfig Algorithm(LoadBalancerSettings? lb)
    {
        var locality = lb?.LocalityLbSetting?.Enabled ?? true;
        if (lb?.ConsistentHash is { } hash)
        {
            HashKeyConfig? key =
                hash.HttpHeaderName is { Length: > 0 } header ? new(HashKeySource.Header, header) :
                hash.HttpCookie?.Name is { Length: > 0 } cookie ? new(HashKeySource.Cookie, cookie) :
                hash.UseSourceIp == true ? new(HashKeySource.SourceIp, null) :
                hash.HttpQueryParameterName is { Length: > 0 } query ? new(HashKeySource.QueryParameter, query) : null;
            return new LoadBalancerConfig
            {
                Algorithm = LoadBalancerAlgorithm.ConsistentHash,
                HashKey = key,
                MinimumRingSize = hash.RingHash?.MinimumRingSize ?? hash.MinimumRingSize ?? 1024,
                LocalityAware = locality,
            };
        }

        var algorithm = lb?.Simple?.ToUpperInvariant() switch
        {
            "LEAST_REQUEST" or "LEAST_CONN" => LoadBalancerAlgorithm.LeastRequest,
            "RANDOM" => LoadBalancerAlgorithm.Random,
            _ => LoadBalancerAlgorithm.RoundRobin,
        };
        return new LoadBalancerConfig { Algorithm = algorithm, LocalityAware = locality };
    }

    /// <summary>
    /// Istio has no load balancer for model servers; a DestinationRule annotated
    /// <c>inference.mesh.dev/endpoint-picker: prefix-aware</c> selects Mesh's (the Gateway API Inference Extension's
    /// endpoint picker, east-west). Its locality setting is kept.
    /// </summary>
    public static LoadBalancerConfig InferencePicker(MeshResource? rule, LoadBalancerConfig configured, bool byDefault = false)
    {
        var annotations = rule?.Metadata.Annotations ?? Labels.Empty;
        var annotated = annotations.TryGetValue(EndpointPickerAnnotations.Picker, out var picker) && picker == EndpointPickerAnnotations.PrefixAware;
        if (!annotated && !byDefault)
        {
            return configured;
        }

        // The validator refuses bad values at apply; one stored before it did falls back to the default.
        var defaults = new InferencePickerConfig();
        return configured with
        {
            Algorithm = LoadBalancerAlgorithm.InferencePicker,
            Inference = new InferencePickerConfig
            {
                PrefixBytes = annotations.TryGetValue(EndpointPickerAnnotations.PrefixBytes, out var bytesText) &&
                    EndpointPickerAnnotations.TryParsePrefixBytes(bytesText, out var bytes) ? bytes : defaults.PrefixBytes,
                LoadBound = annotations.TryGetValue(EndpointPickerAnnotations.LoadBound, out var boundText) &&
                    EndpointPickerAnnotations.TryParseLoadBound(boundText, out var bound) ? bound : defaults.LoadBound,
                QueueSlack = annotations.TryGetValue(EndpointPickerAnnotations.QueueSlack, out var slackText) &&
                    EndpointPickerAnnotations.TryParseQueueSlack(slackText, out var slack) ? slack : defaults.QueueSlack,
                MetricsPath = annotations.TryGetValue(EndpointPickerAnnotations.MetricsPath, out var path) &&
                    EndpointPickerAnnotations.IsMetricsPath(path) ? path : defaults.MetricsPath,
            },
        };
    }

    /// <summary>
    /// Deprecated <c>consecutiveErrors</c> counts gateway errors only (502/503/504) and disables the 5xx counter unless
    /// <c>consecutive5xxErrors</c> is also given, exactly as Istio translates it.
    /// </summary>
    public static OutlierDetectionConfig? Outlier(OutlierDetection? outlier)
    {
        if (outlier is null)
        {
            return null;
        }

        var defaults = new OutlierDetectionConfig();
        return new OutlierDetectionConfig
        {
            Consecutive5xxErrors = outlier.Consecutive5xxErrors ?? (outlier.ConsecutiveErrors is not null ? 0 : defaults.Consecutive5xxErrors),
            ConsecutiveGatewayErrors = outlier.ConsecutiveGatewayErrors ?? outlier.ConsecutiveErrors ?? 0,
            Interval = IstioDuration.ParseOrNull(outlier.Interval) ?? defaults.Interval,
            BaseEjectionTime = IstioDuration.ParseOrNull(outlier.BaseEjectionTime) ?? defaults.BaseEjectionTime,
            MaxEjectionPercent = outlier.MaxEjectionPercent ?? defaults.MaxEjectionPercent,
            MinHealthPercent = outlier.MinHealthPercent ?? 0,
        };
    }

    public static ConnectionPoolConfig? Pool(ConnectionPoolSettings? pool) => pool is null ? null : new ConnectionPoolConfig
    {
        MaxConnections = pool.Tcp?.MaxConnections,
        ConnectTimeout = IstioDuration.ParseOrNull(pool.Tcp?.ConnectTimeout),
        MaxPendingRequests = pool.Http?.Http1MaxPendingRequests,
        MaxRequests = pool.Http?.Http2MaxRequests,
        MaxRequestsPerConnection = pool.Http?.MaxRequestsPerConnection,
        MaxRetries = pool.Http?.MaxRetries,
        IdleTimeout = IstioDuration.ParseOrNull(pool.Http?.IdleTimeout),
    };

    public static ClusterTlsConfig Tls(ClientTlsSettings? tls) => tls is null ? new ClusterTlsConfig() : new ClusterTlsConfig
    {
        Mode = tls.Mode?.ToUpperInvariant() switch
        {
            "ISTIO_MUTUAL" => ClusterTlsMode.IstioMutual,
            "SIMPLE" => ClusterTlsMode.Simple,
            "MUTUAL" => ClusterTlsMode.Mutual,
            _ => ClusterTlsMode.Disable,
        },
        Explicit = true,
        Sni = tls.Sni,
        SubjectAltNames = tls.SubjectAltNames ?? [],
        CaCertificates = tls.CaCertificates,
        ClientCertificate = tls.ClientCertificate,
        PrivateKey = tls.PrivateKey,
        InsecureSkipVerify = tls.InsecureSkipVerify ?? false,
        CredentialName = tls.CredentialName,
    };

    /// <summary>
    /// Istio's DestinationRule has no local rate limit (Istio needs an EnvoyFilter). Mesh reads two annotations of the
    /// DestinationRule instead: requests per second (the refill rate) and burst (bucket size, default = the rate).
    /// </summary>
    public static RateLimitConfig? RateLimit(MeshResource? rule)
    {
        var annotations = rule?.Metadata.Annotations;
        if (annotations is null || !annotations.TryGetValue(RequestsPerSecondAnnotation, out var rpsText) ||
            !int.TryParse(rpsText, NumberStyles.None, CultureInfo.InvariantCulture, out var rps) || rps <= 0)
        {
            return null;
        }

        var burst = annotations.TryGetValue(BurstAnnotation, out var burstText) &&
            int.TryParse(burstText, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && b > 0 ? b : rps;
        return new RateLimitConfig(burst, rps, TimeSpan.FromSeconds(1));
    }

    /// <summary>
    /// Token rate limits for model servers (Istio has none): two DestinationRule annotations give prompt and completion
    /// tokens per minute, a third who the client is (<c>principal</c>, the default, or <c>header:NAME</c>). The
    /// validator refuses malformed values, so anything unparsable here means "not set".
    /// </summary>
    public static TokenLimitConfig? TokenLimit(MeshResource? rule)
    {
        var annotations = rule?.Metadata.Annotations;
        if (annotations is null)
        {
            return null;
        }

        var prompt = PerMinute(annotations, TokenLimitAnnotations.PromptTokensPerMinute);
        var completion = PerMinute(annotations, TokenLimitAnnotations.CompletionTokensPerMinute);
        if (prompt == 0 && completion == 0)
        {
            return null;
        }

        var header = annotations.TryGetValue(TokenLimitAnnotations.Key, out var key) && key.StartsWith(TokenLimitAnnotations.HeaderKeyPrefix, StringComparison.Ordinal)
            ? key[TokenLimitAnnotations.HeaderKeyPrefix.Length..].ToLowerInvariant()
            : null;
        return new TokenLimitConfig($"{rule!.Metadata.Namespace ?? "default"}/{rule.Metadata.Name}", prompt, completion, header);
    }

    private static long PerMinute(IReadOnlyDictionary<string, string> annotations, string name) =>
        annotations.TryGetValue(name, out var text) && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : 0;
}
