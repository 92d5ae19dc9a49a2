using Mesh.Contracts.Resources;
using Mesh.Silo.Cache;

namespace Mesh.Silo.Traffic;

/// <summary>
/// The current <see cref="ExternalHosts"/>, from this silo's resource cache (no database read, so the graph keeps
/// working while the store is down). Rebuilt only when the cache's revision moved: the graph is read every second
/// by every open dashboard, while ServiceEntries change rarely.
/// </summary>
internal sealed class ExternalHostsSource(ResourceCache cache)
{
    private Built _current = new(-1, ExternalHosts.None);

    public ExternalHosts Current
    {
        get
        {
            var current = Volatile.Read(ref _current);
            var revision = cache.Revision;
            if (current.Revision == revision)
            {
                return current.Hosts;
            }

            // Read after the revision: entries newer than it only make the next call rebuild once more.
            var hosts = ExternalHosts.From(cache.OfKind(ResourceKinds.ServiceEntry));
            // Two readers may rebuild at once; both results are right for their revision, so the last write wins.
            Volatile.Write(ref _current, new Built(revision, hosts));
            return hosts;
        }
    }

    private sealed record Built(long Revision, ExternalHosts Hosts);
}
