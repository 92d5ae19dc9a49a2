using Mesh.Contracts.Istio.Networking;

namespace Mesh.Istio.Validation.Schema;

/// <summary>
/// Every Istio networking field the mesh accepts but does not enforce, keyed by the record it belongs to and its JSON
/// name. Valid Istio must apply unchanged, yet a user must never believe a field works when the sidecar ignores it,
/// so each one produces a warning naming its path (see docs/routing.md for the full table).
/// </summary>
internal static class IstioFields
{
    /// <summary>Accepted, not enforced yet: the sidecar or gateway ignores the field today.</summary>
    public const string NotEnforced = "MESH101";

    /// <summary>Accepted, not applicable without Kubernetes (pods, iptables capture, Kubernetes secrets): ignored by design.</summary>
    public const string NotApplicable = "MESH102";

    private static readonly Dictionary<(Type Owner, string Field), FieldNote> Notes = new()
    {
        // VirtualService
        [(typeof(L4MatchAttributes), "destinationSubnets")] = NotHere(null, "without traffic capture a connection's original destination address is the sidecar's own listener"),
        [(typeof(TlsMatchAttributes), "destinationSubnets")] = NotHere(null, "without traffic capture a connection's original destination address is the sidecar's own listener"),
        [(typeof(L4MatchAttributes), "sourceSubnet")] = Later(typeof(string), "the deprecated sourceSubnet is not matched"),
        [(typeof(HttpRoute), "corsPolicy")] = Later(typeof(CorsPolicy), "CORS policies are not applied yet"),
        [(typeof(HttpRoute), "mirrors")] = Later(typeof(IReadOnlyList<HttpMirrorPolicy>), "multiple mirrors are not applied yet (use mirror)"),
        [(typeof(HttpRoute), "mirror_percent")] = Later(typeof(int?), "the deprecated mirror_percent spelling is not applied (use mirrorPercentage)"),
        [(typeof(HttpMatchRequest), "statPrefix")] = Later(typeof(string), "per-match stat prefixes are not emitted"),
        [(typeof(HttpRedirect), "derivePort")] = Later(typeof(string), "derivePort is not applied yet"),
        [(typeof(HttpRedirect), "prefixRewrite")] = Later(typeof(string), "redirect prefixRewrite is not applied yet"),
        [(typeof(HttpRetry), "backoff")] = Later(typeof(string), "the retry backoff interval is not applied yet (the default backoff is used)"),
        [(typeof(HttpRetry), "retryIgnorePreviousHosts")] = Later(typeof(bool?), "retryIgnorePreviousHosts is not applied yet"),
        [(typeof(HttpRetry), "retryRemoteLocalities")] = Later(null, "retryRemoteLocalities is not applied yet"),
        [(typeof(FaultDelay), "exponentialDelay")] = Later(typeof(string), "exponential fault delays are not injected yet"),
        [(typeof(FaultAbort), "grpcStatus")] = Later(typeof(string), "gRPC status aborts are not injected yet"),
        [(typeof(FaultAbort), "http2Error")] = Later(typeof(string), "HTTP/2 error aborts are not injected yet"),
        [(typeof(HttpBody), "bytes")] = Later(typeof(string), "binary direct-response bodies are not returned yet (use string)"),

        // DestinationRule
        [(typeof(DestinationRuleSpec), "workloadSelector")] = Later(typeof(LabelSelector), "DestinationRules scoped to workloads are not scoped yet (the rule applies to every client)"),
        [(typeof(TrafficPolicy), "proxyProtocol")] = Later(typeof(ProxyProtocol), "the PROXY protocol header is not sent upstream yet"),
        [(typeof(TrafficPolicy), "tunnel")] = Later(typeof(TunnelSettings), "tunnelling upstream connections is not implemented yet"),
        [(typeof(TrafficPolicy), "retryBudget")] = Later(typeof(RetryBudget), "retry budgets are not applied yet"),
        [(typeof(LoadBalancerSettings), "warmupDurationSecs")] = Later(typeof(string), "slow-start warmup is not applied yet"),
        [(typeof(LoadBalancerSettings), "warmup")] = Later(typeof(WarmupConfiguration), "slow-start warmup is not applied yet"),
        [(typeof(LoadBalancerSettings), "zoneAwareLbSetting")] = Later(typeof(ZoneAwareLbSetting), "zone-aware load balancing settings are not applied yet"),
        [(typeof(ConsistentHashLb), "maglev")] = Later(typeof(MagLev), "Maglev hashing is not implemented (the ring hash is used)"),
        [(typeof(HttpCookie), "attributes")] = Later(typeof(IReadOnlyList<CookieAttribute>), "hash cookie attributes are not set yet"),
        [(typeof(TcpSettings), "idleTimeout")] = Later(typeof(string), "the TCP idle timeout is not applied yet"),
        [(typeof(TcpSettings), "maxConnectionDuration")] = Later(typeof(string), "the maximum connection duration is not applied yet"),
        [(typeof(TcpSettings), "tcpKeepalive")] = Later(typeof(TcpKeepalive), "TCP keepalive settings are not applied yet"),
        [(typeof(HttpSettings), "useClientProtocol")] = Later(typeof(bool?), "useClientProtocol is not applied yet"),
        [(typeof(HttpSettings), "http2KeepAlive")] = Later(typeof(Http2KeepAlive), "HTTP/2 keepalive pings are not sent yet"),
        [(typeof(HttpSettings), "h2UpgradePolicy")] = Later(null, "h2UpgradePolicy is not applied yet"),
        [(typeof(HttpSettings), "maxConcurrentStreams")] = Later(null, "maxConcurrentStreams is not applied yet"),
        [(typeof(OutlierDetection), "splitExternalLocalOriginErrors")] = Later(typeof(bool?), "local-origin errors are not counted separately yet"),
        [(typeof(OutlierDetection), "consecutiveLocalOriginFailures")] = Later(typeof(int?), "local-origin errors are not counted separately yet"),
        [(typeof(OutlierDetection), "outlierDetectionHttpErrorCodes")] = Later(typeof(IReadOnlyList<int>), "custom outlier error codes are not applied yet"),
        [(typeof(ClientTlsSettings), "caCrl")] = Later(typeof(string), "certificate revocation lists are not checked yet"),

        // Gateway
        [(typeof(GatewayServer), "bind")] = Later(typeof(string), "gateway servers listen on every address (bind is not applied yet)"),
        [(typeof(GatewayServer), "defaultEndpoint")] = Later(typeof(string), "defaultEndpoint is not applied yet"),
        [(typeof(ServerTlsSettings), "subjectAltNames")] = Later(typeof(IReadOnlyList<string>), "client certificate SAN checks are not applied yet"),
        [(typeof(ServerTlsSettings), "verifyCertificateSpki")] = Later(typeof(IReadOnlyList<string>), "client certificate SPKI pinning is not applied yet"),
        [(typeof(ServerTlsSettings), "verifyCertificateHash")] = Later(typeof(IReadOnlyList<string>), "client certificate hash pinning is not applied yet"),
        [(typeof(ServerTlsSettings), "minProtocolVersion")] = Later(typeof(string), "the TLS version range is the platform default (not applied yet)"),
        [(typeof(ServerTlsSettings), "maxProtocolVersion")] = Later(typeof(string), "the TLS version range is the platform default (not applied yet)"),
        [(typeof(ServerTlsSettings), "cipherSuites")] = Later(typeof(IReadOnlyList<string>), "cipher suites are the platform default (not applied yet)"),
        [(typeof(ServerTlsSettings), "caCrl")] = Later(typeof(string), "certificate revocation lists are not checked yet"),
        [(typeof(ServerTlsSettings), "caCertCredentialName")] = Later(typeof(string), "a separate CA credential is not resolved yet"),
        [(typeof(ServerTlsSettings), "credentialNames")] = Later(typeof(IReadOnlyList<string>), "several credentials per server are not served yet (use credentialName)"),
        [(typeof(ServerTlsSettings), "tlsCertificates")] = Later(typeof(IReadOnlyList<TlsCertificate>), "several certificates per server are not served yet"),
        [(typeof(ServerTlsSettings), "insecureSkipVerify")] = Later(typeof(bool?), "insecureSkipVerify is not applied yet"),

        // ServiceEntry
        [(typeof(ServiceEntrySpec), "addresses")] = NotHere(null, "virtual IPs need traffic capture; sidecars route by host name"),
        [(typeof(ServiceEntrySpec), "subjectAltNames")] = Later(typeof(IReadOnlyList<string>), "subject alternative names of the entry's workloads are not verified yet"),

        // Sidecar
        [(typeof(IstioIngressListener), "bind")] = NotHere(typeof(string), "callers reach the sidecar on its own inbound port; the listener address is its own setting"),
        [(typeof(IstioIngressListener), "captureMode")] = NotHere(typeof(string), "there is no iptables capture without Kubernetes"),
        [(typeof(IstioIngressListener), "tls")] = Later(typeof(ServerTlsSettings), "TLS termination for callers outside the mesh on ingress listeners is not applied yet"),
        [(typeof(IstioIngressListener), "connectionPool")] = Later(typeof(ConnectionPoolSettings), "per-listener inbound connection pools are not applied yet"),
        [(typeof(SidecarSpec), "inboundConnectionPool")] = Later(typeof(ConnectionPoolSettings), "inbound connection pool limits are not applied yet"),
        [(typeof(IstioEgressListener), "bind")] = NotHere(typeof(string), "the sidecar's outbound listener address is set by its own configuration"),
        [(typeof(IstioEgressListener), "captureMode")] = NotHere(typeof(string), "there is no iptables capture without Kubernetes"),
    };

    public static FieldNote? Find(Type owner, string field) => Notes.GetValueOrDefault((owner, field));

    /// <summary>Every note, for the documentation test.</summary>
    public static IEnumerable<KeyValuePair<(Type Owner, string Field), FieldNote>> All => Notes;

    private static FieldNote Later(Type? shape, string why) => new(shape, NotEnforced, why);

    private static FieldNote NotHere(Type? shape, string why) => new(shape, NotApplicable, why);
}
