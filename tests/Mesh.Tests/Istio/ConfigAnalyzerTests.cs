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

        Assert.Empty(Analyze(text));
    }

    [Fact]
    public void Analyze_UnknownSubset_WarnsWithIst0101()
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
        Assert.Equal(ValidationSeverity.Warning, message.Severity);
        Assert.Equal("IST0101", message.Code);
        Assert.Equal("spec.http[0].route[0].destination.subset", message.Path);
        Assert.Equal("VirtualService default/reviews: spec.http[0].route[0].destination.subset \"v9\" not found in DestinationRule for reviews", message.Message);
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

        Assert.Contains("(no DestinationRule for ratings)", Assert.Single(messages).Message, StringComparison.Ordinal);
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

        Assert.All(messages, m => Assert.Equal("IST0101", m.Code));
        Assert.Equal(["spec.gateways[0]", "spec.host", "spec.http[0].mirror.host", "spec.http[0].route[0].destination.host"], messages.Select(m => m.Path).Order());
        Assert.Contains(messages, m => m.Message.Contains("Gateway \"default/edge\" not found", StringComparison.Ordinal));
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
    public void Analyze_TwoMeshVirtualServicesForOneHost_WarnsMesh0001OnTheNewer()
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

        var message = Assert.Single(messages);
        Assert.Equal("MESH0001", message.Code);
        Assert.StartsWith("VirtualService default/b:", message.Message, StringComparison.Ordinal);
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
