namespace Mesh.Silo.Health;

/// <summary>
/// The flap penalty of one endpoint (see <see cref="DampingOptions"/>). Decay is computed lazily from the elapsed
/// time at each call, so an idle endpoint costs nothing.
/// </summary>
internal sealed class FlapDamper(DampingOptions options, TimeProvider timeProvider)
{
    private double _penalty;
    private long _updatedAt = timeProvider.GetTimestamp();
    private bool _suppressed;

    public double Penalty
    {
        get
        {
            Decay();
            return _penalty;
        }
    }

    /// <summary>True while the endpoint must be held Unhealthy.</summary>
    public bool IsSuppressed
    {
        get
        {
            Decay();
            if (_suppressed && _penalty < options.ReuseLimit)
            {
                _suppressed = false;
            }

            return _suppressed;
        }
    }

    /// <summary>Counts one transition (including those made while suppressed, as flapping then still goes on).</summary>
    public void RecordTransition()
    {
        Decay();
        _penalty = Math.Min(options.MaxPenalty, _penalty + options.Penalty);
        if (_penalty > options.SuppressLimit)
        {
            _suppressed = true;
        }
    }

    private void Decay()
    {
        var now = timeProvider.GetTimestamp();
        var elapsed = timeProvider.GetElapsedTime(_updatedAt, now);
        _updatedAt = now;
        if (_penalty > 0 && elapsed > TimeSpan.Zero)
        {
            _penalty *= Math.Pow(0.5, elapsed / options.HalfLife);
        }
    }
}
