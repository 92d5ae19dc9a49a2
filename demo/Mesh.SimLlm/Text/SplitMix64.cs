namespace Mesh.SimLlm.Text;

/// <summary>
/// A tiny PRNG whose sequence is fixed by its algorithm, unlike <see cref="Random"/>, whose seeded sequence is
/// an implementation detail of the runtime; SimLLM's determinism must survive runtime upgrades.
/// </summary>
internal struct SplitMix64(ulong seed)
{
    private ulong _state = seed;

    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1).</summary>
    public double NextDouble() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform in [min, max].</summary>
    public int NextInt(int min, int max) => min + (int)(Next() % (ulong)(max - min + 1));
}
