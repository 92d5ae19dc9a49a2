using System.Text.Json.Nodes;
using FsCheck.Xunit;
using Mesh.Tests.Routing;

namespace Mesh.Tests.Properties;

/// <summary>
/// A weighted route, compiled by the silo's compiler and picked by the sidecar's <c>RouteRuntime.PickTarget</c>,
/// sends each destination its share of the traffic. To replay a failure, copy the "(seed, gamma)" FsCheck prints into
/// <c>[Property(Replay = "seed,gamma")]</c>.
/// </summary>
public sealed class WeightedSplitProperties
{
    /// <summary>Draws per case: with 20,000 draws six standard deviations are at most 2.1 percentage points.</summary>
    private const int Draws = 20_000;

    /// <summary>
    /// Tolerance in standard deviations of the binomial count. P(|Z| > 6) is 2e-9 per destination, so 200 cases of up
    /// to 6 destinations fail by chance about once in 400,000 runs.
    /// </summary>
    private const double Sigmas = 6;

    [Property(MaxTest = 200, Arbitrary = [typeof(WeightedSplitArbitrary)])]
    public void PickTarget_GeneratedWeights_EachDestinationGetsItsShareWithinSixSigma(WeightedSplit split)
    {
        var host = ReviewsRouteTable.Build(Subsets(split.Weights.Count), VirtualService(split.Weights));
        var route = Assert.Single(host.Routes);
        var random = new Random(split.Seed);

        var counts = new Dictionary<string, int>();
        for (var i = 0; i < Draws; i++)
        {
            var name = route.PickTarget(random)!.ClusterName;
            counts[name] = counts.GetValueOrDefault(name) + 1;
        }

        var clusters = split.Weights.Select((_, i) => $"outbound|9080|s{i}|{CompilerFixture.Reviews}").ToList();
        Assert.Empty(counts.Keys.Except(clusters));
        for (var i = 0; i < split.Weights.Count; i++)
        {
            var p = split.Weights[i] / 100.0;
            var expected = Draws * p;
            var actual = counts.GetValueOrDefault(clusters[i]);
            var tolerance = Sigmas * Math.Sqrt(Draws * p * (1 - p));
            Assert.True(Math.Abs(actual - expected) <= tolerance,
                $"s{i} (weight {split.Weights[i]}) got {actual} of {Draws} draws, expected {expected} ± {tolerance:F0}");
        }
    }

    private static Contracts.Resources.MeshResource Subsets(int count) =>
        ReviewsRouteTable.Resource("networking.istio.io/v1", "DestinationRule", "reviews", new JsonObject
        {
            ["host"] = "reviews",
            ["subsets"] = new JsonArray([.. Enumerable.Range(0, count).Select(i =>
                (JsonNode)new JsonObject { ["name"] = $"s{i}", ["labels"] = new JsonObject { ["version"] = $"v{i}" } })]),
        });

    private static Contracts.Resources.MeshResource VirtualService(IReadOnlyList<int> weights) =>
        ReviewsRouteTable.Resource("networking.istio.io/v1", "VirtualService", "reviews", new JsonObject
        {
            ["hosts"] = new JsonArray("reviews"),
            ["http"] = new JsonArray(new JsonObject
            {
                ["route"] = new JsonArray([.. weights.Select((w, i) => (JsonNode)new JsonObject
                {
                    ["destination"] = new JsonObject { ["host"] = "reviews", ["subset"] = $"s{i}" },
                    ["weight"] = w,
                })]),
            }),
        });
}
