using Mesh.Istio.Validation;
using Mesh.Istio.Yaml;

namespace Mesh.Tests.Istio;

/// <summary>
/// Valid Istio must apply unchanged (fields the sidecar ignores carry a MESH101/MESH102 warning naming their path);
/// invalid Istio is refused with Istio's field path. Cases follow Istio's API reference and pkg/config/validation.
/// </summary>
public sealed class IstioParityValidationTests
{
    private static string Doc(string kind, string spec, string name = "r") =>
        $"apiVersion: {(kind is "PeerAuthentication" or "AuthorizationPolicy" or "RequestAuthentication" ? "security" : "networking")}.istio.io/v1\nkind: {kind}\nmetadata: {{ name: {name}, namespace: default }}\nspec:\n{spec}";

    private static string Locality(string setting) =>
        Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        " + setting);

    /// <summary>Valid Istio, with the warnings (code, path) the mesh must add, in order.</summary>
    public static TheoryData<string, string> Accepted => new()
    {
        // samples/tcp-echo/tcp-echo-20-v2.yaml (istio/istio): weighted tcp route.
        { Doc("VirtualService", "  hosts: ['*']\n  gateways: [tcp-echo-gateway]\n  tcp:\n  - match: [ { port: 31400 } ]\n    route:\n    - { destination: { host: tcp-echo, port: { number: 9000 }, subset: v1 }, weight: 80 }\n    - { destination: { host: tcp-echo, port: { number: 9000 }, subset: v2 }, weight: 20 }"),
          "" },
        // Istio API reference, VirtualService TLSRoute example.
        { Doc("VirtualService", "  hosts: ['*.bookinfo.com']\n  gateways: [mygateway]\n  tls:\n  - match: [ { port: 443, sniHosts: [login.bookinfo.com] } ]\n    route: [ { destination: { host: login.prod.svc.cluster.local } } ]"),
          "" },
        // A delegate VirtualService (no hosts) and its root.
        { Doc("VirtualService", "  http:\n  - match: [ { uri: { prefix: /productpage } } ]\n    route: [ { destination: { host: productpage } } ]"), "" },
        { Doc("VirtualService", "  hosts: [bookinfo.com]\n  gateways: [mygateway]\n  http:\n  - match: [ { uri: { prefix: /productpage } } ]\n    delegate: { name: productpage, namespace: nsA }"),
          "" },
        // samples/bookinfo/networking/destination-rule-all.yaml style with portLevelSettings (samples/.../destination-rule-*.yaml).
        { Doc("DestinationRule", "  host: reviews\n  trafficPolicy:\n    portLevelSettings:\n    - port: { number: 80 }\n      loadBalancer: { simple: LEAST_REQUEST }\n    - port: { number: 9080 }\n      loadBalancer: { simple: ROUND_ROBIN }"),
          "" },
        // Istio API reference: TLS origination with client certificates.
        { Doc("DestinationRule", "  host: db-mtls\n  trafficPolicy:\n    tls: { mode: MUTUAL, clientCertificate: /etc/certs/myclientcert.pem, privateKey: /etc/certs/client_private_key.pem, caCertificates: /etc/certs/rootcacerts.pem }"),
          "" },
        { Doc("DestinationRule", "  host: db-mtls\n  trafficPolicy:\n    tls: { mode: MUTUAL, credentialName: client-credential }"), "" },
        { Doc("DestinationRule", "  host: reviews\n  exportTo: ['.']\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        enabled: true\n        failover: [ { from: us-east, to: eu-west } ]"),
          "" },
        // Istio's locality load balancing reference: distribute with wildcards, and failoverPriority with key=value.
        { Doc("DestinationRule", "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        distribute:\n        - from: us-west/zone1/*\n          to: { 'us-west/zone1/*': 80, 'us-west/zone2/*': 20 }\n        - from: us-west/zone2/*\n          to: { 'us-west/zone1/*': 20, 'us-west/zone2/*': 80 }"),
          "" },
        { Doc("DestinationRule", "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        failoverPriority: [topology.istio.io/network, 'version=v1', topology.kubernetes.io/region]\n    outlierDetection: { consecutive5xxErrors: 1 }"),
          "" },
        // Istio drops the whole setting when it is disabled: the lists do nothing, and the mesh says so.
        { Doc("DestinationRule", "  host: reviews\n  trafficPolicy:\n    loadBalancer:\n      localityLbSetting:\n        enabled: false\n        failover: [ { from: us-east, to: eu-west } ]"),
          "MESH101 spec.trafficPolicy.loadBalancer.localityLbSetting" },
        // Istio API reference: Sidecar with ingress and outboundTrafficPolicy.
        { Doc("Sidecar", "  workloadSelector: { labels: { app: productpage } }\n  ingress:\n  - port: { number: 9080, protocol: HTTP, name: somename }\n    defaultEndpoint: unix:///var/run/someuds.sock\n  egress:\n  - hosts: ['prod-us1/*']\n  outboundTrafficPolicy: { mode: REGISTRY_ONLY }"),
          "" },
        { Doc("Sidecar", "  ingress:\n  - port: { number: 9080, protocol: HTTP, name: http }\n    bind: 0.0.0.0\n    captureMode: NONE\n    defaultEndpoint: 127.0.0.1:8080\n    tls: { mode: SIMPLE, serverCertificate: /c.pem, privateKey: /k.pem }"),
          "MESH102 spec.ingress[0].bind,MESH102 spec.ingress[0].captureMode,MESH101 spec.ingress[0].tls" },
        // samples/bookinfo/networking/virtual-service-ratings-test-delay.yaml shape with percentage.
        { Doc("VirtualService", "  hosts: [ratings]\n  http:\n  - fault: { delay: { percentage: { value: 100.0 }, fixedDelay: 7s } }\n    route: [ { destination: { host: ratings, subset: v1 } } ]"), "" },
        { Doc("VirtualService", "  hosts: [ratings]\n  http:\n  - fault: { delay: { percent: 10, fixedDelay: 0.5s } }\n    route: [ { destination: { host: ratings } } ]"), "" },
        // Istio accepts a delay whose fixedDelay is unset; it delays nothing, and the mesh says so.
        { Doc("VirtualService", "  hosts: [ratings]\n  http:\n  - fault: { delay: { percent: 5 } }\n    route: [ { destination: { host: ratings } } ]"), "MESH101 spec.http[0].fault.delay" },
        // workloadentry-valid.yaml (istio/istio pkg/config/validation/testdata/crds): no address, but a network.
        { Doc("WorkloadEntry", "  network: network-2\n  labels: { app: x }"), "MESH101 spec.address" },
        // reqauth-valid.yaml (istio/istio pkg/config/validation/testdata/crds): spaceDelimitedClaims.
        { Doc("RequestAuthentication", "  jwtRules:\n  - issuer: https://example.com\n    spaceDelimitedClaims: [custom_scope]"), "MESH101 spec.jwtRules[0].spaceDelimitedClaims" },
        // exportTo is honoured: nothing to warn of.
        { Doc("VirtualService", "  hosts: [ratings]\n  exportTo: ['*']\n  http:\n  - route: [ { destination: { host: ratings } } ]"), "" },
        // A ServiceEntry port with an empty protocol (Istio sniffs it).
        { Doc("ServiceEntry", "  hosts: [api.example.com]\n  ports: [ { number: 443, name: https, protocol: '' } ]\n  resolution: DNS"), "" },
        { Doc("ServiceEntry", "  hosts: [api.example.com]\n  addresses: [240.0.0.1]\n  exportTo: ['~']\n  ports: [ { number: 80, name: http, protocol: HTTP } ]\n  resolution: DYNAMIC_DNS"),
          "MESH102 spec.addresses" },
        { Doc("Gateway", "  selector: { istio: ingressgateway }\n  servers:\n  - port: { number: 443, name: https, protocol: HTTPS }\n    hosts: ['*']\n    tls: { mode: SIMPLE, credentialName: cert, minProtocolVersion: TLSV1_2 }"),
          "MESH101 spec.servers[0].tls.minProtocolVersion" },
        { Doc("VirtualService", "  hosts: [reviews]\n  http:\n  - route: [ { destination: { host: reviews } } ]\n    corsPolicy: { allowOrigins: [ { exact: https://example.com } ], allowMethods: [GET], maxAge: 24h }\n    retries: { attempts: 3, backoff: 25ms, retryOn: 5xx }"),
          "MESH101 spec.http[0].corsPolicy,MESH101 spec.http[0].retries.backoff" },
    };

    [Theory]
    [MemberData(nameof(Accepted))]
    public void Validate_ValidIstio_AcceptedWithNotEnforcedWarnings(string yaml, string warnings)
    {
        var messages = ResourceValidator.Validate(ResourceDocumentReader.Read(yaml).Single());

        Assert.DoesNotContain(messages, m => m.Severity == ValidationSeverity.Error);
        Assert.Equal(warnings, string.Join(",", messages.Select(m => $"{m.Code} {m.Path}")));
        Assert.All(messages, m => Assert.StartsWith("accepted, not", m.Message, StringComparison.Ordinal));
    }

    /// <summary>Invalid Istio: refused with Istio's path and words.</summary>
    public static TheoryData<string, string, string> Refused => new()
    {
        { Doc("VirtualService", "  gateways: [gw]\n  http:\n  - route: [ { destination: { host: a } } ]"), "spec.gateways", "delegate virtual service must have no gateways specified" },
        { Doc("VirtualService", "  tcp:\n  - route: [ { destination: { host: a } } ]"), "spec.tcp", "delegate virtual service must have no tcp route specified" },
        { Doc("VirtualService", "  hosts: [a]"), "spec", "http, tcp or tls must be provided in virtual service" },
        { Doc("VirtualService", "  hosts: [a]\n  tcp:\n  - match: [ { port: 99999 } ]"), "spec.tcp[0].route", "TCP route is required" },
        { Doc("VirtualService", "  hosts: [a]\n  tcp:\n  - match: [ { port: 99999 } ]\n    route: [ { destination: { host: a } } ]"), "spec.tcp[0].match[0].port", "out of range" },
        { Doc("VirtualService", "  hosts: [a]\n  tcp:\n  - match: [ { destinationSubnets: [not-a-subnet] } ]\n    route: [ { destination: { host: a } } ]"), "spec.tcp[0].match[0].destinationSubnets[0]", "not an IP address or CIDR block" },
        { Doc("VirtualService", "  hosts: [a]\n  tcp:\n  - route: [ { destination: { host: a }, weight: 0 }, { destination: { host: b }, weight: 0 } ]"), "spec.tcp[0].route", "total destination weight = 0" },
        { Doc("VirtualService", "  hosts: ['*.bookinfo.com']\n  gateways: [gw]\n  tls:\n  - route: [ { destination: { host: a } } ]"), "spec.tls[0].match", "TLS route must have at least one match condition" },
        { Doc("VirtualService", "  hosts: ['*.bookinfo.com']\n  gateways: [gw]\n  tls:\n  - match: [ { port: 443 } ]\n    route: [ { destination: { host: a } } ]"), "spec.tls[0].match[0].sniHosts", "TLS match must have at least one SNI host" },
        { Doc("VirtualService", "  hosts: ['*.bookinfo.com']\n  gateways: [gw]\n  tls:\n  - match: [ { sniHosts: [login.example.com] } ]\n    route: [ { destination: { host: a } } ]"), "spec.tls[0].match[0].sniHosts[0]", "SNI host \"login.example.com\" is not a compatible subset of any of the virtual service hosts: [*.bookinfo.com]" },
        { Doc("VirtualService", "  hosts: [a]\n  http:\n  - delegate: { name: b }\n    route: [ { destination: { host: a } } ]"), "spec.http[0].route", "root HTTP route  must not specify route" },
        { Doc("VirtualService", "  http:\n  - delegate: { name: b }"), "spec.http[0].delegate", "delegate HTTP route cannot contain delegate" },
        { Doc("VirtualService", "  hosts: [a]\n  http:\n  - fault: { delay: { exponentialDelay: 1s } }\n    route: [ { destination: { host: a } } ]"), "spec.http[0].fault.delay.exponentialDelay", "exponentialDelay not supported yet" },
        { Doc("VirtualService", "  hosts: [a]\n  exportTo: ['*', ns1]\n  http:\n  - route: [ { destination: { host: a } } ]"), "spec.exportTo", "cannot have both public (*) and non-public exportTo values" },
        { Doc("VirtualService", "  hosts: [a]\n  exportTo: ['~']\n  http:\n  - route: [ { destination: { host: a } } ]"), "spec.exportTo[0]", "only valid for a ServiceEntry" },
        { Doc("VirtualService", "  hosts: [a]\n  http:\n  - route: [ { destination: { host: a } } ]\n    corsPolicy: { unmatchedPreflights: SOMETIMES }"), "spec.http[0].corsPolicy.unmatchedPreflights", "\"SOMETIMES\" is not valid" },
        { Doc("VirtualService", "  hosts: [a]\n  http:\n  - route: [ { destination: { host: a } } ]\n    corsPolicy: { maxAge: 5 }"), "spec.http[0].corsPolicy.maxAge", "must be a string" },
        { Doc("VirtualService", "  hosts: [a]\n  tcp:\n  - route: [ { destination: { host: a } } ]\n    unknownThing: 1"), "spec.tcp[0].unknownThing", "unknown field" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    portLevelSettings:\n    - loadBalancer: { simple: RANDOM }"), "spec.trafficPolicy.portLevelSettings[0].port", "portTrafficPolicy must have valid port" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    portLevelSettings:\n    - port: { number: 80 }"), "spec.trafficPolicy.portLevelSettings[0]", "port traffic policy must have at least one field" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    portLevelSettings:\n    - port: { number: 80 }\n      loadBalancer: { simple: FASTEST }"), "spec.trafficPolicy.portLevelSettings[0].loadBalancer.simple", "\"FASTEST\" is not valid" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    tls: { mode: MUTUAL, privateKey: /k }"), "spec.trafficPolicy.tls.clientCertificate", "client certificate required for mutual tls" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    tls: { mode: SIMPLE, credentialName: c, caCertificates: /ca }"), "spec.trafficPolicy.tls", "cannot specify client certificates or CA certificate or CA CRL If credentialName is set" },
        { Doc("DestinationRule", "  host: a\n  subsets:\n  - name: v1\n    trafficPolicy:\n      portLevelSettings:\n      - port: { number: 70000 }\n        tls: { mode: SIMPLE }"), "spec.subsets[0].trafficPolicy.portLevelSettings[0].port.number", "out of range" },
        // istio/istio pkg/config/validation/testdata/crds/destinationrule-invalid.yaml: warmup bounds.
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    loadBalancer:\n      warmup: { duration: 300s, minimumPercent: 150.0 }"), "spec.trafficPolicy.loadBalancer.warmup.minimumPercent", "out of range" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    loadBalancer:\n      warmup: { minimumPercent: 5.0 }"), "spec.trafficPolicy.loadBalancer.warmup.duration", "is required" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    loadBalancer:\n      warmup: { duration: 300s, aggression: -0.1 }"), "spec.trafficPolicy.loadBalancer.warmup.aggression", "must not be negative" },
        { Doc("DestinationRule", "  host: a\n  trafficPolicy:\n    proxyProtocol: { version: V3 }"), "spec.trafficPolicy.proxyProtocol.version", "\"V3\" is not valid" },
        // istio/istio pkg/config/validation: ValidateLocalityLbSetting's rules and words.
        { Locality("distribute: [ { from: a/*, to: { a/*: 100 } } ]\n        failover: [ { from: a, to: b } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting", "can not simultaneously specify 'distribute' and 'failover'" },
        { Locality("distribute: [ { from: a/*, to: { a/*: 60, b/*: 30 } } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to", "total locality weight 90 != 100" },
        { Locality("distribute: [ { from: a/*, to: { a/*: 0, b/*: 100 } } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to.a/*", "locality weight must be in range [1, 100]" },
        { Locality("distribute: [ { from: a/*/z, to: { a/*: 100 } } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute", "wildcard '*' number can not exceed 1 and must be in the end" },
        { Locality("distribute: [ { from: a/*, to: { a: 50, a/z1: 50 } } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute[0].to", "locality a/z1 overlap with previous specified ones" },
        { Locality("distribute: [ { from: a//z, to: { a/*: 100 } } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.distribute", "must not contain empty region/zone/subzone info" },
        { Locality("failover: [ { from: a, to: a } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]", "locality lb failover settings must specify different regions" },
        { Locality("failover: [ { from: a/z1, to: b } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]", "locality lb failover only specify region" },
        { Locality("failover: [ { from: a, to: '*' } ]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.failover[0]", "locality lb failover region should not contain '*' wildcard" },
        { Locality("failover: [ { from: a, to: b } ]\n        failoverPriority: [topology.kubernetes.io/region]"), "spec.trafficPolicy.loadBalancer.localityLbSetting.failoverPriority",
            "can not simultaneously set 'failover' and topology label 'topology.kubernetes.io/region' in 'failover_priority'" },
        { Doc("DestinationRule", "  host: a\n  subsets:\n  - name: v1\n    trafficPolicy:\n      loadBalancer:\n        localityLbSetting:\n          failover: [ { from: a, to: a } ]"),
            "spec.subsets[0].trafficPolicy.loadBalancer.localityLbSetting.failover[0]", "must specify different regions" },
        { Doc("Sidecar", "  ingress:\n  - defaultEndpoint: 127.0.0.1:8080"), "spec.ingress[0].port", "is required" },
        { Doc("Sidecar", "  ingress:\n  - port: { number: 9080, protocol: SMTP }"), "spec.ingress[0].port.protocol", "\"SMTP\" is not valid" },
        { Doc("Sidecar", "  outboundTrafficPolicy: { mode: REGISTRY_ONLY, egressProxy: { host: foo.bar, port: { number: 80 } } }"), "spec.outboundTrafficPolicy.egressProxy", "egress_proxy must be set only with ALLOW_ANY" },
        { Doc("Sidecar", "  outboundTrafficPolicy: { mode: SOMETIMES }"), "spec.outboundTrafficPolicy.mode", "\"SOMETIMES\" is not valid" },
        { Doc("Sidecar", "  ingress:\n  - port: { number: 9080, protocol: HTTP, name: http }\n    defaultEndpoint: 10.0.0.1:8080"), "spec.ingress[0].defaultEndpoint", "must be 127.0.0.1:PORT" },
        { Doc("Sidecar", "  ingress:\n  - port: { number: 9080, protocol: HTTP, name: http }\n    defaultEndpoint: unix://relative.sock"), "spec.ingress[0].defaultEndpoint", "unix:///path" },
        { Doc("Sidecar", "  egress:\n  - hosts: ['./*']\n    captureMode: MAGIC"), "spec.egress[0].captureMode", "\"MAGIC\" is not valid" },
        { Doc("ServiceEntry", "  hosts: [a.com]\n  ports: [ { number: 80, name: x, protocol: SMTP } ]\n  resolution: DNS"), "spec.ports[0].protocol", "\"SMTP\" is not valid" },
        { Doc("ServiceEntry", "  hosts: [a.com]\n  exportTo: ['~', '*']\n  ports: [ { number: 80, name: x } ]\n  resolution: DNS"), "spec.exportTo", "cannot have both public (*) and non-public" },
        { Doc("Gateway", "  servers:\n  - port: { number: 443, name: https, protocol: HTTPS }\n    hosts: ['*']\n    tls: { mode: SIMPLE, credentialName: c, maxProtocolVersion: TLSV9 }"), "spec.servers[0].tls.maxProtocolVersion", "\"TLSV9\" is not valid" },
        // istio/istio pkg/config/validation/testdata/crds/serviceentry-invalid.yaml, workloadentry-invalid.yaml, authz-valid.yaml.
        { Doc("ServiceEntry", "  hosts: ['*']"), "spec.hosts[0]", "invalid host *" },
        { Doc("ServiceEntry", "  hosts: [example.com]\n  addresses: [1.2.3.4/16]\n  resolution: DNS"), "spec.addresses[0]", "CIDR addresses are allowed only for NONE/STATIC resolution types" },
        { Doc("ServiceEntry", "  hosts: [example.com]\n  ports: [ { name: a, number: 1 }, { name: a, number: 12 } ]"), "spec.ports[1].name", "duplicate port names: a" },
        { Doc("ServiceEntry", "  hosts: [example.com]\n  resolution: NONE\n  endpoints: [ { address: 1.2.3.4 } ]"), "spec.endpoints", "no endpoints should be provided for resolution type none" },
        { Doc("ServiceEntry", "  hosts: [example.com]\n  resolution: DNS_ROUND_ROBIN\n  endpoints: [ { address: sub1.example.com }, { address: sub2.example.com } ]"), "spec.endpoints", "there must only be 0 or 1 endpoint" },
        { Doc("WorkloadEntry", "  address: unix://relative"), "spec.address", "must be an absolute socket path" },
        { Doc("WorkloadEntry", "  address: 'unix://@foo'\n  ports: { http: 80 }"), "spec.ports", "unix socket endpoints cannot have ports" },
        { Doc("WorkloadEntry", "  address: 1.1.1.1\n  ports: { '@': 80 }"), "spec.ports.@", "invalid port name: @" },
        { Doc("WorkloadEntry", "  labels: { app: x }"), "spec.address", "is required (or set network)" },
        { Doc("AuthorizationPolicy", "  rules:\n  - from: [ { source: { serviceAccounts: [default/sleep] } } ]"), "spec.rules[0].from[0].source.serviceAccounts", "refused because ignoring it would change who the policy lets in" },
    };

    [Theory]
    [MemberData(nameof(Refused))]
    public void Validate_InvalidIstio_RefusedWithIstioPath(string yaml, string path, string message)
    {
        var messages = ResourceValidator.Validate(ResourceDocumentReader.Read(yaml).Single());

        Assert.Contains(messages, m => m.Severity == ValidationSeverity.Error && m.Path == path && m.Message.Contains(message, StringComparison.Ordinal));
    }
}
