namespace Mesh.Silo.Cache;

/// <summary>What a writer needs to know of change propagation: "the store has committed this revision".</summary>
internal interface IChangeAnnouncer
{
    /// <summary>Announces the revision to this silo's change feed and the other silos; never blocks or fails.</summary>
    void Committed(long revision);
}
