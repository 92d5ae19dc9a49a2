using Mesh.SimLlm.Text;

namespace Mesh.SimLlm.Failures;

/// <summary>
/// Decides, per inference request, whether to inject the configured failure. The k-th request's draw is a hash of
/// the seed and k, so a run with the same seed and request order fails the same requests.
/// </summary>
internal sealed class FailureSwitch(FailureSettings initial, int seed)
{
    private FailureSettings _settings = initial;
    private long _draws;

    public FailureSettings Settings => Volatile.Read(ref _settings);

    public void Set(FailureSettings settings)
    {
        Volatile.Write(ref _settings, settings);
        // Restarting the draw sequence makes a test that sets the switch independent of the requests before it.
        Interlocked.Exchange(ref _draws, 0);
    }

    /// <summary>The failure to inject into this request, or <see cref="FailureMode.None"/>.</summary>
    public FailureMode Draw()
    {
        var settings = Settings;
        if (settings.Mode == FailureMode.None || settings.Probability <= 0)
        {
            return FailureMode.None;
        }

        var k = Interlocked.Increment(ref _draws);
        var rng = new SplitMix64(StableHash.Combine((ulong)seed, (ulong)k));
        return rng.NextDouble() < settings.Probability ? settings.Mode : FailureMode.None;
    }
}
