using Mesh.Istio.Validation;
using Mesh.Istio.Yaml;

namespace Mesh.Tests.Istio;

public sealed class ResourceValidatorTests
{
    private static string Vs(string spec, string name = "reviews", string apiVersion = "networking.istio.io/v1") => $"""
        apiVersion: {apiVersion}
        kind: VirtualService
        metadata: {"{"} name: {name}, namespace: default {"}"}
        spec:
        {spec}
        """;

    private static string Kind(string kind, string apiVersion, string spec) => $"""
        apiVersion: {apiVersion}
        kind: {kind}
        metadata: {"{"} name: x {"}"}
        spec:
        {spec}
        """;

    private const string Route = "  hosts: [reviews]\n  http:\n";

    private static string Dr(string spec) => Kind("DestinationRule", "networking.istio.io/v1beta1", "  host: reviews\n" + spec);

    private static string Gw(string server) => Kind("Gateway", "networking.istio.io/v1alpha3", "  selector: { istio: ingressgateway }\n  servers:\n" + server);

    public static TheoryData<string, string, string> BadResources => new()
    {
        // header and metadata
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]", apiVersion: "networking.istio.io/v2"), "apiVersion", "must be networking.istio.io/v1|v1beta1|v1alpha3" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]", apiVersion: "security.istio.io/v1"), "apiVersion", "not valid for VirtualService" },
        { Kind("Service", "networking.istio.io/v1", "  ports: [ { port: 80 } ]"), "apiVersion", "must be mesh.dev/v1" },
        { Kind("Widget", "networking.istio.io/v1", "  a: 1"), "kind", "\"Widget\" is not a known kind" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]", name: "Reviews_V1"), "metadata.name", "DNS-1123 subdomain" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]", name: new string('a', 254)), "metadata.name", "DNS-1123 subdomain" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]").Replace("namespace: default", "namespace: My.Ns", StringComparison.Ordinal), "metadata.namespace", "DNS-1123 label" },
        // Mesh's token-limit annotations on a DestinationRule
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { ratelimit.mesh.dev/prompt-tokens-per-minute: \"10k\" } }\nspec: { host: llm }",
            "metadata.annotations.ratelimit.mesh.dev/prompt-tokens-per-minute", "\"10k\" must be a whole number of tokens per minute" },
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { ratelimit.mesh.dev/completion-tokens-per-minute: \"0\" } }\nspec: { host: llm }",
            "metadata.annotations.ratelimit.mesh.dev/completion-tokens-per-minute", "1 to" },
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { ratelimit.mesh.dev/token-limit-key: \"header:x user\" } }\nspec: { host: llm }",
            "metadata.annotations.ratelimit.mesh.dev/token-limit-key", "must be \"principal\" or \"header:NAME\"" },
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { inference.mesh.dev/fallback: \"provider:99999\" } }\nspec: { host: llm }",
            "metadata.annotations.inference.mesh.dev/fallback", "must be a host name, optionally with :port" },
        // the endpoint picker's settings
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { inference.mesh.dev/prefix-bytes: \"0\" } }\nspec: { host: llm }",
            "metadata.annotations.inference.mesh.dev/prefix-bytes", "\"0\" must be a whole number of bytes, at least 1" },
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { inference.mesh.dev/load-bound: \"0.5\" } }\nspec: { host: llm }",
            "metadata.annotations.inference.mesh.dev/load-bound", "\"0.5\" must be a decimal number, at least 1" },
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { inference.mesh.dev/queue-slack: \"-3\" } }\nspec: { host: llm }",
            "metadata.annotations.inference.mesh.dev/queue-slack", "\"-3\" must be a whole number of requests, 0 or more" },
        { "apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata: { name: llm, annotations: { inference.mesh.dev/metrics-path: metrics } }\nspec: { host: llm }",
            "metadata.annotations.inference.mesh.dev/metrics-path", "\"metrics\" must be a path starting with /" },
        // InferencePool (Gateway API Inference Extension v1)
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  targetPorts: [ { number: 8000 } ]\n  endpointPickerRef: { name: epp, port: { number: 9002 } }", "spec.selector.matchLabels", "is required" },
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  selector: { matchLabels: { app: vllm } }\n  targetPorts: []\n  endpointPickerRef: { name: epp, port: { number: 9002 } }", "spec.targetPorts", "1 to 8 ports" },
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  selector: { matchLabels: { app: vllm } }\n  targetPorts: [ { number: 8000 }, { number: 8000 } ]\n  endpointPickerRef: { name: epp, port: { number: 9002 } }", "spec.targetPorts[1].number", "listed twice" },
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  selector: { matchLabels: { app: vllm } }\n  targetPorts: [ { number: 70000 } ]\n  endpointPickerRef: { name: epp, port: { number: 9002 } }", "spec.targetPorts[0].number", "out of range" },
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  selector: { matchLabels: { app: vllm } }\n  targetPorts: [ { number: 8000 } ]\n  endpointPickerRef: { name: epp }", "spec.endpointPickerRef.port", "required when the picker is a Service" },
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  selector: { matchLabels: { app: vllm } }\n  targetPorts: [ { number: 8000 } ]\n  endpointPickerRef: { name: epp, port: { number: 9002 }, failureMode: Retry }", "spec.endpointPickerRef.failureMode", "must be one of FailOpen, FailClose" },
        { "apiVersion: inference.networking.k8s.io/v1\nkind: InferencePool\nmetadata: { name: llm }\nspec:\n  selector: { matchLabels: { 'bad key!': vllm } }\n  targetPorts: [ { number: 8000 } ]\n  endpointPickerRef: { name: epp, port: { number: 9002 } }", "spec.selector.matchLabels.bad key!", "not a valid label key" },
        { "apiVersion: inference.networking.k8s.io/v1alpha2\nkind: InferencePool\nmetadata: { name: llm }\nspec: {}", "apiVersion", "must be inference.networking.k8s.io/v1" },
        // strict fields and types
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    retrys: { attempts: 3 }"), "spec.http[0].retrys", "unknown field" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    Timeout: 1s"), "spec.http[0].Timeout", "did you mean \"timeout\"" },
        { Vs(Route + "  - route: [ { destination: { host: reviews }, weight: \"50\" } ]"), "spec.http[0].route[0].weight", "must be an integer, found \"50\"" },
        { Vs("  hosts: reviews"), "spec.hosts", "must be a list" },
        { Vs(Route + "  - delegate: { name: x }\n    route: [ { destination: { host: reviews } } ]"), "spec.http[0].route", "must not specify route" },
        { Vs("  hosts: [reviews]\n  tcp: []"), "spec", "http, tcp or tls must be provided in virtual service" },
        // VirtualService rules
        { Vs("  gateways: [gw]\n  http: [ { route: [ { destination: { host: reviews } } ] } ]"), "spec.gateways", "delegate virtual service must have no gateways specified" },
        { Vs("  hosts: ['*']\n  http: [ { route: [ { destination: { host: reviews } } ] } ]"), "spec.hosts[0]", "only allowed in a VirtualService bound to gateways" },
        { Vs(Route + "  - match: [ { uri: { prefix: /a } } ]"), "spec.http[0]", "must have one of route, redirect, directResponse or delegate" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    redirect: { uri: /x }"), "spec.http[0]", "only one of route, redirect or directResponse" },
        { Vs(Route + "  - route:\n    - { destination: { host: reviews, subset: v1 }, weight: 90 }\n    - { destination: { host: reviews, subset: v2 }, weight: 20 }"),
            "spec.http[0].route[1].weight", "weights sum to 110, must be 100" },
        { Vs(Route + "  - route:\n    - { destination: { host: reviews, subset: v1 }, weight: 101 }"), "spec.http[0].route[0].weight", "out of range" },
        { Vs(Route + "  - route:\n    - { destination: { host: reviews, subset: v1 } }\n    - { destination: { host: reviews, subset: v2 } }"), "spec.http[0].route[1].weight", "weights sum to 0" },
        { Vs(Route + "  - route: [ { destination: { subset: v1 } } ]"), "spec.http[0].route[0].destination.host", "is required" },
        { Vs(Route + "  - route: [ { destination: { host: reviews, subset: V_1 } } ]"), "spec.http[0].route[0].destination.subset", "not a valid subset name" },
        { Vs(Route + "  - route: [ { destination: { host: reviews, port: { number: 70000 } } } ]"), "spec.http[0].route[0].destination.port.number", "out of range" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    timeout: 10"), "spec.http[0].timeout", "must be a string" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    timeout: 10x"), "spec.http[0].timeout", "is not a duration" },
        { Vs(Route + "  - match: [ { uri: { exact: /a, prefix: /a } } ]\n    route: [ { destination: { host: reviews } } ]"), "spec.http[0].match[0].uri", "exactly one of exact, prefix or regex" },
        { Vs(Route + "  - match: [ { uri: {} } ]\n    route: [ { destination: { host: reviews } } ]"), "spec.http[0].match[0].uri", "one of exact, prefix or regex must be set" },
        { Vs(Route + "  - match: [ { headers: { x: { regex: \"(a\" } } } ]\n    route: [ { destination: { host: reviews } } ]"), "spec.http[0].match[0].headers.x.regex", "invalid regex" },
        { Vs(Route + "  - match: [ { uri: { regex: \"(a)\\\\1\" } } ]\n    route: [ { destination: { host: reviews } } ]"), "spec.http[0].match[0].uri.regex", "not supported" },
        { Vs(Route + "  - match: [ { port: 0 } ]\n    route: [ { destination: { host: reviews } } ]"), "spec.http[0].match[0].port", "out of range" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    retries: { attempts: -1 }"), "spec.http[0].retries.attempts", "must not be negative" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    retries: { attempts: 2, retryOn: \"5xx,sometimes\" }"), "spec.http[0].retries.retryOn", "\"sometimes\" is not a retry condition" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    retries: { attempts: 2, perTryTimeout: soon }"), "spec.http[0].retries.perTryTimeout", "is not a duration" },
        { Vs(Route + "  - redirect: { uri: /x, redirectCode: 200 }"), "spec.http[0].redirect.redirectCode", "200 is not a redirect code" },
        { Vs(Route + "  - directResponse: { status: 99 }"), "spec.http[0].directResponse.status", "out of range" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    fault: { delay: { fixedDelay: 7s, percentage: { value: 120 } } }"), "spec.http[0].fault.delay.percentage.value", "out of range" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    fault: { abort: { httpStatus: 500, percent: -5 } }"), "spec.http[0].fault.abort.percent", "out of range" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    fault: { abort: { percent: 5 } }"), "spec.http[0].fault.abort.httpStatus", "is required" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    fault: { delay: { percent: 5, exponentialDelay: 1s } }"), "spec.http[0].fault.delay.exponentialDelay", "exponentialDelay not supported yet" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    mirror: { host: ratings }\n    mirrorPercentage: { value: 150 }"), "spec.http[0].mirrorPercentage.value", "out of range" },
        { Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    rewrite: { uri: /a, uriRegexRewrite: { match: a, rewrite: b } }"), "spec.http[0].rewrite", "cannot both be set" },
        { Vs("  hosts: [reviews]\n  gateways: [a/b/c]\n  http: [ { route: [ { destination: { host: reviews } } ] } ]"), "spec.gateways[0]", "must be a gateway name" },
        // DestinationRule
        { Kind("DestinationRule", "networking.istio.io/v1", "  subsets: []"), "spec.host", "is required" },
        { Dr("  subsets: [ { name: v1 }, { name: v1 } ]"), "spec.subsets[1].name", "duplicate subset name \"v1\"" },
        { Dr("  subsets: [ { name: V1 } ]"), "spec.subsets[0].name", "DNS-1123 label" },
        { Dr("  subsets: [ { labels: { version: v1 } } ]"), "spec.subsets[0].name", "is required" },
        { Dr("  trafficPolicy: { loadBalancer: { simple: FASTEST } }"), "spec.trafficPolicy.loadBalancer.simple", "\"FASTEST\" is not valid" },
        { Dr("  trafficPolicy: { loadBalancer: { consistentHash: { httpHeaderName: a, useSourceIp: true } } }"), "spec.trafficPolicy.loadBalancer.consistentHash", "exactly one of" },
        { Dr("  trafficPolicy: { loadBalancer: { consistentHash: {} } }"), "spec.trafficPolicy.loadBalancer.consistentHash", "exactly one of" },
        { Dr("  trafficPolicy: { loadBalancer: { simple: RANDOM, consistentHash: { useSourceIp: true } } }"), "spec.trafficPolicy.loadBalancer", "only one of simple or consistentHash" },
        { Dr("  trafficPolicy: { outlierDetection: { consecutive5xxErrors: -1 } }"), "spec.trafficPolicy.outlierDetection.consecutive5xxErrors", "must not be negative" },
        { Dr("  trafficPolicy: { outlierDetection: { maxEjectionPercent: 101 } }"), "spec.trafficPolicy.outlierDetection.maxEjectionPercent", "out of range" },
        { Dr("  trafficPolicy: { outlierDetection: { interval: often } }"), "spec.trafficPolicy.outlierDetection.interval", "is not a duration" },
        { Dr("  trafficPolicy: { connectionPool: { tcp: { maxConnections: -5 } } }"), "spec.trafficPolicy.connectionPool.tcp.maxConnections", "must not be negative" },
        { Dr("  trafficPolicy: { tls: { mode: STRICT } }"), "spec.trafficPolicy.tls.mode", "\"STRICT\" is not valid" },
        { Dr("  subsets: [ { name: v1, trafficPolicy: { tls: { mode: MAYBE } } } ]"), "spec.subsets[0].trafficPolicy.tls.mode", "is not valid" },
        // Gateway
        { Kind("Gateway", "networking.istio.io/v1", "  selector: { istio: ingressgateway }"), "spec.servers", "at least one server" },
        { Gw("  - { port: { number: 0, protocol: HTTP }, hosts: ['*'] }"), "spec.servers[0].port.number", "out of range" },
        { Gw("  - { port: { number: 80, protocol: HTTQ }, hosts: ['*'] }"), "spec.servers[0].port.protocol", "\"HTTQ\" is not valid" },
        { Gw("  - { port: { number: 80, protocol: HTTP }, hosts: [] }"), "spec.servers[0].hosts", "at least one host" },
        { Gw("  - { port: { number: 443, protocol: HTTPS }, hosts: ['*'] }"), "spec.servers[0].tls", "is required for protocol HTTPS" },
        { Gw("  - { port: { number: 443, protocol: HTTPS }, hosts: ['*'], tls: { mode: SIMPLE, privateKey: /k } }"), "spec.servers[0].tls.serverCertificate", "is required for mode SIMPLE" },
        { Gw("  - { port: { number: 443, protocol: HTTPS }, hosts: ['*'], tls: { mode: SIMPLE, serverCertificate: /c } }"), "spec.servers[0].tls.privateKey", "is required for mode SIMPLE" },
        { Gw("  - { port: { number: 443, protocol: HTTPS }, hosts: ['*'], tls: { mode: MUTUAL, serverCertificate: /c, privateKey: /k } }"), "spec.servers[0].tls.caCertificates", "is required for mode MUTUAL" },
        { Gw("  - { port: { number: 443, protocol: HTTPS }, hosts: ['*'], tls: { mode: SOMETIMES } }"), "spec.servers[0].tls.mode", "is not valid" },
        // ServiceEntry, WorkloadEntry, Sidecar
        { Kind("ServiceEntry", "networking.istio.io/v1", "  ports: [ { number: 80, name: http } ]"), "spec.hosts", "at least one host" },
        { Kind("ServiceEntry", "networking.istio.io/v1", "  hosts: [a.com]\n  resolution: MAGIC"), "spec.resolution", "\"MAGIC\" is not valid" },
        { Kind("ServiceEntry", "networking.istio.io/v1", "  hosts: [a.com]\n  location: OUTSIDE"), "spec.location", "\"OUTSIDE\" is not valid" },
        { Kind("ServiceEntry", "networking.istio.io/v1", "  hosts: [a.com]\n  ports: [ { number: 99999, name: http } ]"), "spec.ports[0].number", "out of range" },
        { Kind("ServiceEntry", "networking.istio.io/v1", "  hosts: [a.com]\n  ports: [ { number: 80, protocol: FTP } ]"), "spec.ports[0].protocol", "\"FTP\" is not valid" },
        { Kind("ServiceEntry", "networking.istio.io/v1", "  hosts: [a.com]\n  resolution: STATIC"), "spec.endpoints", "STATIC resolution needs endpoints" },
        { Kind("ServiceEntry", "networking.istio.io/v1", "  hosts: [a.com]\n  resolution: STATIC\n  endpoints: [ { address: 'not an address' } ]"), "spec.endpoints[0].address", "not an IP address or DNS name" },
        { Kind("WorkloadEntry", "networking.istio.io/v1", "  labels: { app: x }"), "spec.address", "is required" },
        { Kind("WorkloadEntry", "networking.istio.io/v1", "  address: 10.0.0.1\n  ports: { http: 0 }"), "spec.ports.http", "out of range" },
        { Kind("Sidecar", "networking.istio.io/v1", "  egress: [ { hosts: [reviews] } ]"), "spec.egress[0].hosts[0]", "must be namespace/host" },
        // security kinds
        { Kind("PeerAuthentication", "security.istio.io/v1", "  mtls: { mode: SOMETIMES }"), "spec.mtls.mode", "is not valid, must be one of UNSET, DISABLE, PERMISSIVE, STRICT" },
        { Kind("PeerAuthentication", "security.istio.io/v1beta1", "  portLevelMtls: { \"8080\": { mode: STRICT } }"), "spec.portLevelMtls", "requires a workload selector" },
        { Kind("PeerAuthentication", "security.istio.io/v1", "  selector: { matchLabels: { app: a } }\n  portLevelMtls: { http: { mode: STRICT } }"), "spec.portLevelMtls.http", "not a port number" },
        { Kind("PeerAuthentication", "security.istio.io/v1", "  mtls: { mode: STRICT }\n  extra: 1"), "spec.extra", "unknown field" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  action: PERMIT"), "spec.action", "is not valid, must be one of ALLOW, DENY, AUDIT, CUSTOM" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  action: DENY"), "spec.rules", "a DENY policy needs at least one rule" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  action: CUSTOM\n  rules: [ {} ]"), "spec.provider.name", "is required for action CUSTOM" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  rules: [ { from: [ { } ] } ]"), "spec.rules[0].from[0].source", "is required" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  rules: [ { to: [ { operation: { verbs: [GET] } } ] } ]"), "spec.rules[0].to[0].operation.verbs", "unknown field" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  rules: [ { to: [ { operation: { methods: GET } } ] } ]"), "spec.rules[0].to[0].operation.methods", "must be a list" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  rules: [ { when: [ { values: [a] } ] } ]"), "spec.rules[0].when[0].key", "is required" },
        { Kind("AuthorizationPolicy", "security.istio.io/v1", "  rules: [ { when: [ { key: 'request.auth.claims[iss]' } ] } ]"), "spec.rules[0].when[0]", "one of values or notValues" },
        { Kind("RequestAuthentication", "security.istio.io/v1", "  jwtRules: [ { jwksUri: https://x/jwks } ]"), "spec.jwtRules[0].issuer", "is required" },
        { Kind("RequestAuthentication", "security.istio.io/v1", "  jwtRules: [ { issuer: a, jwksUri: not-a-url } ]"), "spec.jwtRules[0].jwksUri", "absolute URL" },
        // registry kinds
        { Kind("Service", "mesh.dev/v1", "  ports: [ { name: http, port: 0 } ]"), "spec.ports[0].port", "out of range" },
        { Kind("Service", "mesh.dev/v1", "  ports: [ { name: http, port: 80, protocol: SMTP } ]"), "spec.ports[0].protocol", "\"SMTP\" is not valid" },
        { Kind("Service", "mesh.dev/v1", "  ports: []"), "spec.ports", "at least one port" },
        { Kind("Endpoint", "mesh.dev/v1", "  service: reviews\n  address: 'bad host!'\n  port: 80"), "spec.address", "not an IP address or DNS name" },
        { Kind("Endpoint", "mesh.dev/v1", "  service: reviews\n  address: 10.0.0.1\n  port: 65536"), "spec.port", "out of range" },
        { Kind("Endpoint", "mesh.dev/v1", "  service: reviews\n  address: 10.0.0.1\n  port: 80\n  health: Sick"), "spec.health", "must be one of Healthy, Unhealthy, Unknown" },
    };

    [Fact]
    public void Validate_InferencePoolFromTheInferenceExtensionDocs_IsValid_WithThePickerReferenceNoted()
    {
        var resource = ResourceDocumentReader.Read("""
            apiVersion: inference.networking.k8s.io/v1
            kind: InferencePool
            metadata: { name: vllm-llama3-8b-instruct }
            spec:
              targetPorts: [ { number: 8000 } ]
              appProtocol: http
              selector: { matchLabels: { app: vllm-llama3-8b-instruct } }
              endpointPickerRef: { name: vllm-llama3-8b-instruct-epp, port: { number: 9002 }, failureMode: FailClose }
            """).Single();

        var messages = ResourceValidator.Validate(resource);

        Assert.DoesNotContain(messages, m => m.Severity == ValidationSeverity.Error);
        Assert.Contains(messages, m => m.Code == "MESH102" && m.Path == "spec.endpointPickerRef");
    }

    [Theory]
    [MemberData(nameof(BadResources))]
    public void Validate_BadResource_ReportsPathAndMessage(string yaml, string path, string message)
    {
        var resource = ResourceDocumentReader.Read(yaml).Single();

        var errors = ResourceValidator.Validate(resource);

        Assert.Contains(errors, e => e.Severity == ValidationSeverity.Error && e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    private const string VsHead = "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\"},\"spec\":";

    /// <summary>JSON a client can send that YAML rarely produces: nulls where the records have defaults, and text the store cannot hold.</summary>
    public static TheoryData<string, string, string> HostileJson => new()
    {
        { "{\"apiVersion\":null,\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\"},\"spec\":{\"hosts\":[\"reviews\"]}}", "apiVersion", "is required" },
        { "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":null,\"spec\":{\"hosts\":[\"reviews\"]}}", "metadata", "is required" },
        { "{\"apiVersion\":\"mesh.dev/v1\",\"kind\":null,\"metadata\":{\"name\":\"x\"},\"spec\":{}}", "kind", "is required" },
        { "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\",\"labels\":{\"app\":null}},\"spec\":{\"hosts\":[\"reviews\"]}}", "metadata.labels.app", "found null" },
        { "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"VirtualService\",\"metadata\":{\"name\":\"reviews\",\"annotations\":{\"a\":\"x\\u0000y\"}},\"spec\":{\"hosts\":[\"reviews\"]}}", "metadata.annotations.a", "NUL" },
        { VsHead + "{\"hosts\":[null]}}", "spec.hosts[0]", "must not be null" },
        { VsHead + "{\"hosts\":[\"reviews\"],\"http\":[null]}}", "spec.http[0]", "must not be null" },
        { VsHead + "{\"hosts\":[\"reviews\"],\"http\":[{\"route\":[null]}]}}", "spec.http[0].route[0]", "must not be null" },
        { VsHead + "{\"hosts\":[\"reviews\"],\"http\":[{\"Route\":[null]}]}}", "spec.http[0].Route[0]", "must not be null" },
        { VsHead + "{\"hosts\":[\"reviews\"],\"http\":[{\"match\":[{\"headers\":{\"x\":null}}],\"route\":[{\"destination\":{\"host\":\"reviews\"}}]}]}}", "spec.http[0].match[0].headers.x", "must not be null" },
        { VsHead + "{\"hosts\":[\"a\\u0000b\"]}}", "spec.hosts[0]", "NUL character" },
        { VsHead + "{\"hosts\":[\"\\ud800\"]}}", "spec.hosts[0]", "not valid UTF-8" },
        { "{\"apiVersion\":\"networking.istio.io/v1\",\"kind\":\"Gateway\",\"metadata\":{\"name\":\"gw\"},\"spec\":{\"servers\":[null]}}", "spec.servers[0]", "must not be null" },
        { "{\"apiVersion\":\"mesh.dev/v1\",\"kind\":\"Service\",\"metadata\":{\"name\":\"svc\"},\"spec\":{\"ports\":[{\"port\":80,\"protocol\":null}]}}", "spec.ports[0].protocol", "must not be null" },
    };

    [Theory]
    [MemberData(nameof(HostileJson))]
    public void Validate_HostileJson_ReportsPathInsteadOfThrowing(string json, string path, string message)
    {
        var resource = System.Text.Json.JsonSerializer.Deserialize<Mesh.Contracts.Resources.MeshResource>(json, Mesh.Contracts.Json.MeshJson.Options)!;

        var errors = ResourceValidator.Validate(resource);

        Assert.Contains(errors, e => e.Severity == ValidationSeverity.Error && e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_InvalidUtf8InSpecString_ReportsPathInsteadOfThrowing()
    {
        // 0xC3 0x28: a two-byte lead followed by '('. The parser keeps it raw; decoding it used to throw from SchemaWalker.
        byte[] json = [.. System.Text.Encoding.UTF8.GetBytes(VsHead + "{\"hosts\":[\"rev"), 0xC3, 0x28, .. System.Text.Encoding.UTF8.GetBytes("iews\"]}}")];
        var resource = System.Text.Json.JsonSerializer.Deserialize<Mesh.Contracts.Resources.MeshResource>(json, Mesh.Contracts.Json.MeshJson.Options)!;

        var errors = ResourceValidator.Validate(resource);

        var error = Assert.Single(errors);
        Assert.Equal("spec.hosts[0]", error.Path);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_InvalidUtf8InSpecFieldName_ReportsTheObject()
    {
        byte[] json = [.. System.Text.Encoding.UTF8.GetBytes(VsHead + "{\"hosts\":[\"reviews\"],\"a"), 0xFF, .. System.Text.Encoding.UTF8.GetBytes("\":1}}")];
        var resource = System.Text.Json.JsonSerializer.Deserialize<Mesh.Contracts.Resources.MeshResource>(json, Mesh.Contracts.Json.MeshJson.Options)!;

        var error = Assert.Single(ResourceValidator.Validate(resource));

        Assert.Equal("spec", error.Path);
        Assert.Contains("field name #1 is not valid UTF-8", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("default\n")]
    [InlineData("a.b\n")]
    [InlineData("\n")]
    public void Dns1123_TrailingNewline_IsNotAName(string value)
    {
        // A regex "$" matches before a final newline; "default\n" was accepted as a namespace and written.
        Assert.False(Dns1123.IsLabel(value));
        Assert.False(Dns1123.IsSubdomain(value));
        Assert.False(Dns1123.IsAddress(value));
    }

    [Fact]
    public void Validate_NullablePropertySetToNull_Accepted()
    {
        // Optional fields may be null (YAML "subset:" with no value); only non-nullable members and list items may not.
        var resource = System.Text.Json.JsonSerializer.Deserialize<Mesh.Contracts.Resources.MeshResource>(
            VsHead + "{\"hosts\":[\"reviews\"],\"http\":[{\"timeout\":null,\"route\":[{\"destination\":{\"host\":\"reviews\",\"subset\":null}}]}]}}", Mesh.Contracts.Json.MeshJson.Options)!;

        Assert.Empty(ResourceValidator.Validate(resource));
    }

    [Fact]
    public void Validate_SeveralProblems_ReportsAll()
    {
        var resource = ResourceDocumentReader.Read(Vs(Route + """
              - route:
                - { destination: { host: reviews, subset: v1 }, weight: 90 }
                - { destination: { host: reviews, subset: v2 }, weight: 20 }
                timeout: forever
                retries: { attempts: -1 }
            """)).Single();

        var errors = ResourceValidator.Validate(resource);

        Assert.Equal(["spec.http[0].retries.attempts", "spec.http[0].route[1].weight", "spec.http[0].timeout"], errors.Select(e => e.Path).Order());
        Assert.Contains("spec.http[0].route[1].weight: weights sum to 110, must be 100", errors.Select(e => e.ToString()).Single(s => s.Contains("weight", StringComparison.Ordinal)), StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_UnknownFieldNotStrict_Accepted()
    {
        var resource = ResourceDocumentReader.Read(Vs(Route + "  - route: [ { destination: { host: reviews } } ]\n    someFutureField: 1")).Single();

        Assert.Empty(ResourceValidator.Validate(resource, strict: false));
        Assert.Single(ResourceValidator.Validate(resource, strict: true));
    }

    [Fact]
    public void Validate_SingleDestinationWithoutWeight_Accepted()
    {
        var resource = ResourceDocumentReader.Read(Vs(Route + "  - route: [ { destination: { host: reviews, subset: v1 } } ]")).Single();

        Assert.Empty(ResourceValidator.Validate(resource));
    }

    [Fact]
    public void Validate_EndpointPickerSettings_InRange_Accepted()
    {
        var resource = ResourceDocumentReader.Read("apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: llm\n  annotations:\n" +
            "    inference.mesh.dev/endpoint-picker: prefix-aware\n    inference.mesh.dev/prefix-bytes: \"256\"\n    inference.mesh.dev/load-bound: \"1.5\"\n" +
            "    inference.mesh.dev/queue-slack: \"0\"\n    inference.mesh.dev/metrics-path: /stats/metrics\nspec: { host: llm }").Single();

        Assert.Empty(ResourceValidator.Validate(resource));
    }
}
