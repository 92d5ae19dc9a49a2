using Mesh.Routing.Model;

namespace Mesh.Sidecar.Hosting;

/// <summary>
/// The sidecar's own locality: <c>--locality region/zone/subzone</c>, else <c>--zone</c>, else the topology labels of
/// <c>--labels</c>. What is known is added to the labels, so the endpoint the sidecar registers carries the same locality.
/// </summary>
internal static class SidecarLocalityParser
{
    public static (string? Region, string? Zone, string? Subzone) Parse(string? locality, string? zoneFlag, Dictionary<string, string> labels)
    {
        string? region = null, zone = zoneFlag, subzone = null;
        if (locality is not null)
        {
            var parts = locality.Split('/');
            if (parts.Length > 3 || parts[0].Length == 0 || Array.Exists(parts, p => p.Length == 0 || p.Contains('*', StringComparison.Ordinal)))
            {
                throw new SidecarOptionsException($"--locality '{locality}' must be region[/zone[/subzone]] without empty parts or '*'");
            }

            region = parts[0];
            var localityZone = parts.Length > 1 ? parts[1] : null;
            if (zoneFlag is not null && localityZone is not null && zoneFlag != localityZone)
            {
                throw new SidecarOptionsException($"--zone '{zoneFlag}' contradicts --locality '{locality}'");
            }

            zone ??= localityZone;
            subzone = parts.Length > 2 ? parts[2] : null;
        }

        region ??= labels.GetValueOrDefault(LocalityLabels.Region);
        zone ??= labels.GetValueOrDefault(LocalityLabels.Zone) ?? labels.GetValueOrDefault(LocalityLabels.ShortZone);
        subzone ??= labels.GetValueOrDefault(LocalityLabels.Subzone);
        if (zone is not null)
        {
            labels.TryAdd(LocalityLabels.ShortZone, zone);
        }

        if (region is not null)
        {
            labels.TryAdd(LocalityLabels.Region, region);
        }

        if (subzone is not null)
        {
            labels.TryAdd(LocalityLabels.Subzone, subzone);
        }

        return (region, zone, subzone);
    }
}
