using Mesh.Istio.Analysis;
using Mesh.Istio.Validation;
using Mesh.Istio.Yaml;
using Mesh.Tests.Routing;

namespace Mesh.Tests.Istio;

public sealed class ConfigAnalyzerTests
{
    private static readonly IReadOnlyList<Mesh.Contracts.Resources.MeshResource> Registry =
        ResourceDocumentReader.Read(CompilerFixture.Registry).Select((r, i) => r with { Metadata = r.Metadata with { ResourceVersion = i + 1 } }).ToList();

    private static IReadOnlyList<ValidationMessage> Analyze(string yaml, bool withRegistry = true)
    {
        var resources = ResourceDocumentReader.Read(yaml).Select((r, i) => r with { Metadata = r.Metadata with { Namespace = r.Metadata.Namespace ?? "default", ResourceVersion = 100 + i } }).ToList();
        return ConfigAnalyzer.Analyze(resources, withRegistry ? Registry : null);
    }

    [Fact]
    public void Analyze_BookinfoSamplesWithRegistry_NoFindings()
    {
        var text = string.Join("\n---\n", new[] { "destination-rule-all.yaml", "virtual-service-all-v1.yaml" }.Select(f => File.ReadAllText(Mesh.Tests.Infrastructure.IstioSamples.File(f))));

        // The fixture registry has only v1 endpoints: istioctl's IST0173 rightly flags the other subsets, and nothing else is found.
        Assert.Equal(
            ["IST0173 DestinationRule default/details: The Subset v2 defined", "IST0173 DestinationRule default/ratings: The Subset v2 defined",
             "IST0173 DestinationRule default/ratings: The Subset v2-mysql defined", "IST0173 DestinationRule default/ratings: The Subset v2-mysql-vm defined"],
            Analyze(text).Select(m => $"{m.Code} {m.Message[..(m.Message.IndexOf(" defined", StringComparison.Ordinal) + 8)]}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Analyze_TheSilosOwnTrustBundle_IsNotUserConfigurationAndHasNoFindings()
    {
        var bundle = new Mesh.Contracts.Resources.MeshResource
        {
            ApiVersion = Mesh.Contracts.Resources.ResourceKinds.MeshApiVersion,
            Kind = Mesh.Contracts.Resources.ResourceKinds.TrustBundle,
            Metadata = new Mesh.Contracts.Resources.ResourceMetadata { Name = Mesh.Contracts.Certificates.TrustBundleSpec.Name, Namespace = Mesh.Contracts.Certificates.TrustBundleSpec.Namespace, ResourceVersion = 1 },
            Spec = Mesh.Contracts.Json.MeshJson.ToElement(new Mesh.Contracts.Certificates.TrustBundleSpec { TrustDomain = "cluster.local", Roots = ["-----BEGIN CERTIFICATE-----"] }),
        };

        Assert.Empty(ConfigAnalyzer.Analyze([bundle], Registry));
    }

    [Fact]
    public void Analyze_UnknownSubset_ReportsIst0101()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: reviews }
            spec: { host: reviews, subsets: [ { name: v1, labels: { version: v1 } } ] }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: reviews }
            spec: { hosts: [reviews], http: [ { route: [ { destination: { host: reviews, subset: v9 } } ] } ] }
            """);

        var message = Assert.Single(messages);
        Assert.Equal(ValidationSeverity.Error, message.Severity);
        Assert.Equal("IST0101", message.Code);
        Assert.Equal("spec.http[0].route[0].destination.subset", message.Path);
        Assert.Equal("VirtualService default/reviews: Referenced host+subset in destinationrule not found: \"reviews+v9\"", message.Message);
    }

    [Fact]
    public void Analyze_SubsetWithoutAnyRule_SaysSo()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: ratings }
            spec: { hosts: [ratings], http: [ { route: [ { destination: { host: ratings, subset: v1 } } ] } ] }
            """);

        Assert.Equal("VirtualService default/ratings: Referenced host+subset in destinationrule not found: \"ratings+v1\"", Assert.Single(messages).Message);
    }

    [Fact]
    public void Analyze_UnknownHostsAndGateway_WarnForEach()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: shop }
            spec:
              hosts: [shop.example.com]
              gateways: [edge]
              http: [ { route: [ { destination: { host: cart } } ], mirror: { host: audit.other } } ]
            ---
            apiVersion: networking.istio.io/v1
            kind: DestinationRule
            metadata: { name: nowhere }
            spec: { host: nowhere }
            """);

        // istioctl: a missing gateway is IST0101 and (it serves none of the hosts) IST0132; an unknown DestinationRule host is IST0174.
        Assert.Equal(
            [
                "IST0101 spec.gateways[0] VirtualService default/shop: Referenced gateway not found: \"edge\"",
                "IST0101 spec.http[0].mirror.host VirtualService default/shop: Referenced mirror host not found: \"audit.other\"",
                "IST0101 spec.http[0].route[0].destination.host VirtualService default/shop: Referenced host not found: \"cart\"",
                "IST0132 spec.gateways[0] VirtualService default/shop: one or more host [shop.example.com] defined in VirtualService default/shop not found in Gateway default/edge.",
                "IST0174 spec.host DestinationRule default/nowhere: The host nowhere defined in the DestinationRule does not match any services in the mesh.",
            ],
            messages.Select(m => $"{m.Code} {m.Path} {m.Message}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Analyze_ServiceEntryHost_IsKnown()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: ServiceEntry
            metadata: { name: ext }
            spec: { hosts: ["*.example.com"], ports: [ { number: 443, name: https, protocol: HTTPS } ], resolution: NONE }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: api }
            spec: { hosts: [api.example.com], http: [ { route: [ { destination: { host: api.example.com } } ] } ] }
            """, withRegistry: false);

        Assert.Empty(messages);
    }

    [Fact]
    public void Analyze_TwoMeshVirtualServicesForOneHost_ReportsIst0109OnBoth()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: a }
            spec: { hosts: [reviews], http: [ { route: [ { destination: { host: reviews } } ] } ] }
            ---
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: b }
            spec: { hosts: [reviews.default.svc.cluster.local], http: [ { route: [ { destination: { host: reviews } } ] } ] }
            """);

        Assert.Equal(2, messages.Count);
        Assert.All(messages, m => Assert.Equal((ValidationSeverity.Error, "IST0109"), (m.Severity, m.Code)));
        const string Text = "The VirtualServices default/a,default/b associated with mesh gateway define the same host */reviews.default.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.";
        Assert.Equal([$"VirtualService default/a: {Text}", $"VirtualService default/b: {Text}"], messages.Select(m => m.Message).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Analyze_InvalidResource_ReportsErrorsAndSkipsReferences()
    {
        var messages = Analyze("""
            apiVersion: networking.istio.io/v1
            kind: VirtualService
            metadata: { name: bad }
            spec: { hosts: [reviews], http: [ { route: [ { destination: { host: nowhere }, weight: 30 }, { destination: { host: nowhere }, weight: 30 } ] } ] }
            """);

        var message = Assert.Single(messages);
        Assert.Equal((ValidationSeverity.Error, "IST0106", "spec.http[0].route[1].weight"), (message.Severity, message.Code, message.Path));
        Assert.Equal("VirtualService default/bad: weights sum to 60, must be 100", message.Message);
    }
}
