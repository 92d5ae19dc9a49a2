namespace Mesh.Tests.Cli;

/// <summary>Resource files the CLI tests apply, written to a temp directory per test.</summary>
internal sealed class CliFiles : IDisposable
{
    public static readonly string SamplesDirectory = Mesh.Tests.Infrastructure.IstioSamples.Directory;

    public const string ReviewsService = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata:
          name: reviews
        spec:
          ports:
          - name: http
            port: 9080
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata:
          name: reviews-v1
          labels:
            version: v1
        spec:
          service: reviews
          address: 127.0.0.1
          port: 9081
        ---
        apiVersion: mesh.dev/v1
        kind: Endpoint
        metadata:
          name: reviews-v2
          labels:
            version: v2
        spec:
          service: reviews
          address: 127.0.0.2
          port: 9081
          weight: 3
          health: Unhealthy
        """;

    /// <summary>A valid DestinationRule, then a VirtualService whose weights sum to 110.</summary>
    public const string WeightsSum110 = """
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: valid-rule
        spec:
          host: reviews
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: bad-reviews
        spec:
          hosts:
          - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v1
              weight: 90
            - destination:
                host: reviews
                subset: v2
              weight: 20
        """;

    public const string UnknownSubset = """
        apiVersion: mesh.dev/v1
        kind: Service
        metadata:
          name: reviews
        spec:
          ports:
          - port: 9080
        ---
        apiVersion: networking.istio.io/v1
        kind: DestinationRule
        metadata:
          name: reviews
        spec:
          host: reviews
          subsets:
          - name: v1
            labels:
              version: v1
        ---
        apiVersion: networking.istio.io/v1
        kind: VirtualService
        metadata:
          name: reviews
        spec:
          hosts:
          - reviews
          http:
          - route:
            - destination:
                host: reviews
                subset: v9
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("meshctl-test-");

    /// <summary>A path in the test's directory, for files a program under test creates (deleted with the directory).</summary>
    public string PathOf(string name) => Path.Combine(_directory.FullName, name);

    public string Write(string name, string content)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, content);
        return path;
    }

    public void Dispose() => _directory.Delete(recursive: true);
}
