using Xunit;

namespace Mesh.Tests.Bookinfo;

/// <summary>Istio's fault percentages hold statistically through a real sidecar.</summary>
[Collection(BookinfoCollection.Name)]
public sealed class FaultPercentageTests(BookinfoMesh mesh)
{
    [Fact]
    public async Task AbortPercentage50_1000Requests_AbortedShareWithinFivePointsOf50()
    {
        await mesh.ApplyYamlAsync("""
            apiVersion: networking.istio.io/v1beta1
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts:
              - ratings
              http:
              - fault:
                  abort:
                    httpStatus: 503
                    percentage:
                      value: 50
                route:
                - destination:
                    host: ratings
                    subset: v1
            """);

        var counts = await mesh.CountAsync("http://ratings:9080/", 1000);

        Assert.True(counts.Keys.All(k => k is "503" or "ratings-v1"), Traffic.Describe(counts));
        Assert.InRange(counts.GetValueOrDefault("503"), 450, 550);
    }

    [Fact]
    public async Task DelayPercentage50_1000Requests_DelayedShareWithinFivePointsOf50()
    {
        await mesh.ApplyYamlAsync("""
            apiVersion: networking.istio.io/v1alpha3
            kind: VirtualService
            metadata:
              name: ratings
            spec:
              hosts:
              - ratings
              http:
              - fault:
                  delay:
                    fixedDelay: 1ms
                    percentage:
                      value: 50
                route:
                - destination:
                    host: ratings
                    subset: v2
            """);
        var before = await DelayedAsync();

        var counts = await mesh.CountAsync("http://ratings:9080/", 1000);

        Assert.True(counts.Count == 1 && counts.GetValueOrDefault("ratings-v2") == 1000, Traffic.Describe(counts));
        Assert.InRange(await DelayedAsync() - before, 450, 550);
    }

    /// <summary>Requests to ratings the sidecar reported with response flag DI (delay injected).</summary>
    private async Task<long> DelayedAsync()
    {
        long total = 0;
        foreach (var line in (await mesh.Productpage.MetricsAsync()).Split('\n'))
        {
            if (line.StartsWith("istio_requests_total{", StringComparison.Ordinal)
                && line.Contains("destination_service_name=\"ratings\"", StringComparison.Ordinal)
                && line.Contains("response_flags=\"DI\"", StringComparison.Ordinal))
            {
                total += long.Parse(line[(line.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return total;
    }
}
