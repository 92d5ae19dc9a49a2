using FsCheck;
using FsCheck.Fluent;

namespace Mesh.Tests.Properties;

/// <summary>A VirtualService route split over subsets <c>s0..s{n-1}</c> of reviews; weights sum to 100 (zeros allowed).</summary>
public sealed record WeightedSplit(IReadOnlyList<int> Weights, int Seed)
{
    public override string ToString() => $"weights [{string.Join(", ", Weights)}], seed {Seed}";
}

/// <summary>FsCheck generators for <see cref="WeightedSplit"/>.</summary>
public static class WeightedSplitArbitrary
{
    public static Arbitrary<WeightedSplit> Splits() =>
        (from count in Gen.Choose(1, 6)
         from weights in Gen.Piles(count, 100)
         from seed in Gen.Choose(0, int.MaxValue)
         select new WeightedSplit(weights, seed)).ToArbitrary();
}
