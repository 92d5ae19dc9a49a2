using System.Globalization;
using Mesh.Istio.Validation;

namespace Mesh.Istio.Analysis;

/// <summary>
/// One of istioctl's analysis message types: its code, level and text, so <c>meshctl analyze</c> says what
/// <c>istioctl analyze</c> would say for the same configuration.
/// </summary>
internal sealed record IstioMessage(string Code, ValidationSeverity Severity, string Template)
{
    public static readonly IstioMessage ReferencedResourceNotFound = new("IST0101", ValidationSeverity.Error, "Referenced {0} not found: \"{1}\"");
    public static readonly IstioMessage ConflictingMeshGatewayVirtualServiceHosts = new("IST0109", ValidationSeverity.Error,
        "The VirtualServices {0} associated with mesh gateway define the same host {1} which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.");
    public static readonly IstioMessage ConflictingSidecarWorkloadSelectors = new("IST0110", ValidationSeverity.Error,
        "The Sidecars {0} in namespace \"{1}\" select the same workload pod \"{2}\", which can lead to undefined behavior.");
    public static readonly IstioMessage MultipleSidecarsWithoutWorkloadSelectors = new("IST0111", ValidationSeverity.Error,
        "The Sidecars {0} in namespace \"{1}\" have no workload selector, which can lead to undefined behavior.");
    public static readonly IstioMessage VirtualServiceDestinationPortSelectorRequired = new("IST0112", ValidationSeverity.Error,
        "This VirtualService routes to a service \"{0}\" that exposes multiple ports {1}. Specifying a port in the destination is required to disambiguate.");
    public static readonly IstioMessage NoServerCertificateVerificationDestinationLevel = new("IST0128", ValidationSeverity.Warning,
        "DestinationRule {0} in namespace {1} has TLS mode set to {2} but no caCertificates are set to validate server identity for host: {3}");
    public static readonly IstioMessage NoServerCertificateVerificationPortLevel = new("IST0129", ValidationSeverity.Warning,
        "DestinationRule {0} in namespace {1} has TLS mode set to {2} but no caCertificates are set to validate server identity for host: {3} at port {4}");
    public static readonly IstioMessage VirtualServiceUnreachableRule = new("IST0130", ValidationSeverity.Warning, "VirtualService rule {0} not used ({1}).");
    public static readonly IstioMessage VirtualServiceIneffectiveMatch = new("IST0131", ValidationSeverity.Info,
        "VirtualService rule {0} match {1} is not used (duplicate/overlapping match in rule {2}).");
    public static readonly IstioMessage VirtualServiceHostNotFoundInGateway = new("IST0132", ValidationSeverity.Warning,
        "one or more host {0} defined in VirtualService {1} not found in Gateway {2}.");
    public static readonly IstioMessage ServiceEntryAddressesRequired = new("IST0134", ValidationSeverity.Warning, "ServiceEntry addresses are required for this protocol.");
    public static readonly IstioMessage GatewayDuplicateCertificate = new("IST0138", ValidationSeverity.Warning,
        "Duplicate certificate in multiple gateways {0} may cause 404s if clients re-use HTTP2 connections.");
    public static readonly IstioMessage IngressRouteRulesNotAffected = new("IST0140", ValidationSeverity.Warning,
        "Subset in virtual service {0} has no effect on ingress gateway {1} requests");
    public static readonly IstioMessage ConflictingGateways = new("IST0145", ValidationSeverity.Error,
        "Conflict with gateways {0} (workload selector {1}, port {2}, hosts {3}).");
    public static readonly IstioMessage DestinationRuleSubsetNotSelectPods = new("IST0173", ValidationSeverity.Error,
        "The Subset {0} defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).");
    public static readonly IstioMessage UnknownDestinationRuleHost = new("IST0174", ValidationSeverity.Warning,
        "The host {0} defined in the DestinationRule does not match any services in the mesh.");
    public static readonly IstioMessage ConflictingServiceEntryProtocol = new("IST0177", ValidationSeverity.Warning,
        "Multiple ServiceEntries ({0}) define the same host \"{1}\" and port {2} with conflicting protocols ({3}).");

    public string Format(params object[] args) => string.Format(CultureInfo.InvariantCulture, Template, args);

    /// <summary>Go's %v of a string slice: [a b c].</summary>
    public static string GoList(IEnumerable<object> items) => $"[{string.Join(' ', items)}]";
}
