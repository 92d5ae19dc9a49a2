using Mesh.Silo.Health;

namespace Mesh.Tests.Health;

/// <summary>Every silo, of every version, must put an endpoint in the same shard.</summary>
public sealed class ShardHashTests
{
    [Theory]
    [InlineData("default", "reviews-1", 64, 58)]
    [InlineData("default", "reviews-1", 16, 10)]
    [InlineData("ns-ü", "名", 64, 49)]
    public void Of_KnownNames_MatchFnv1aOfNamespaceSlashName(string ns, string name, int shards, int expected) =>
        // Expected values computed independently (Python) as FNV-1a-64 of the UTF-8 bytes of "namespace/name".
        Assert.Equal(expected, ShardHash.Of(ns, name, shards));

    [Fact]
    public void Of_ManyEndpointNames_SpreadOverEveryShard()
    {
        var counts = new int[64];
        for (var i = 0; i < 6400; i++)
        {
            counts[ShardHash.Of("default", $"reviews.10.0.{i / 250}.{i % 250}.9080", 64)]++;
        }

        Assert.All(counts, c => Assert.InRange(c, 50, 150));
    }
}
