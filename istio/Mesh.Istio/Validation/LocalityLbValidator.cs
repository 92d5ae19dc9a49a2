using Mesh.Contracts.Istio.Networking;
using Mesh.Istio.Validation.Schema;
using Mesh.Routing.Model;

namespace Mesh.Istio.Validation;

/// <summary>Istio's rules for <c>loadBalancer.localityLbSetting</c>, with Istio's words and the field path.</summary>
internal static class LocalityLbValidator
{
    public static void Validate(LocalityLbSetting? setting, string path, ValidationContext context)
    {
        if (setting is null)
        {
            return;
        }

        var distribute = setting.Distribute ?? [];
        var failover = setting.Failover ?? [];
        var priority = setting.FailoverPriority ?? [];
        if (setting.Enabled == false && (distribute.Count > 0 || failover.Count > 0 || priority.Count > 0))
        {
            context.Warning(IstioFields.NotEnforced, path, "accepted, not enforced: distribute, failover and failoverPriority have no effect while enabled is false");
        }

        if (distribute.Count > 0 && failover.Count > 0)
        {
            context.Error(path, "can not simultaneously specify 'distribute' and 'failover'");
            return;
        }

        if (failover.Count > 0)
        {
            foreach (var label in priority)
            {
                if (label is LocalityLabels.Region or LocalityLabels.Zone or LocalityLabels.Subzone)
                {
                    context.Error($"{path}.failoverPriority", $"can not simultaneously set 'failover' and topology label '{label}' in 'failover_priority'");
                    return;
                }
            }
        }

        Distribute(distribute, $"{path}.distribute", context);
        for (var i = 0; i < failover.Count; i++)
        {
            var entry = failover[i];
            var at = $"{path}.failover[{i}]";
            if (entry.From == entry.To)
            {
                context.Error(at, "locality lb failover settings must specify different regions");
            }

            if ((entry.From?.Contains('/', StringComparison.Ordinal) ?? false) || (entry.To?.Contains('/', StringComparison.Ordinal) ?? false))
            {
                context.Error(at, "locality lb failover only specify region");
            }

            if ((entry.From?.Contains('*', StringComparison.Ordinal) ?? false) || (entry.To?.Contains('*', StringComparison.Ordinal) ?? false))
            {
                context.Error(at, "locality lb failover region should not contain '*' wildcard");
            }
        }
    }

    private static void Distribute(IReadOnlyList<LocalityDistribute> distribute, string path, ValidationContext context)
    {
        var sources = new List<string>(distribute.Count);
        for (var i = 0; i < distribute.Count; i++)
        {
            var entry = distribute[i];
            var at = $"{path}[{i}]";
            sources.Add(entry.From ?? "");
            var total = 0L;
            foreach (var (locality, weight) in entry.To ?? new Dictionary<string, int>())
            {
                if (weight is <= 0 or > 100)
                {
                    context.Error($"{at}.to.{locality}", "locality weight must be in range [1, 100]");
                    return;
                }

                total += weight;
            }

            if (total != 100)
            {
                context.Error($"{at}.to", $"total locality weight {total} != 100");
                return;
            }

            Localities(entry.To!.Keys, $"{at}.to", context);
        }

        Localities(sources, path, context);
    }

    /// <summary>
    /// A locality is <c>region[/zone[/subzone]]</c> with at most one <c>*</c>, as its last segment; two localities of
    /// one list overlap when one covers the other (<c>us-west</c> covers <c>us-west/zone1</c>, <c>*</c> covers all).
    /// </summary>
    private static void Localities(IEnumerable<string> localities, string path, ValidationContext context)
    {
        var seen = new List<string[]>();
        foreach (var locality in localities)
        {
            var stars = locality.Count(c => c == '*');
            if (stars > 1 || (stars == 1 && !locality.EndsWith('*')))
            {
                context.Error(path, $"locality {locality} wildcard '*' number can not exceed 1 and must be in the end");
                return;
            }

            var segments = locality.Split('/');
            if (segments.Length > 3 || Array.Exists(segments, s => s.Length == 0))
            {
                context.Error(path, $"locality {locality} must not contain empty region/zone/subzone info");
                return;
            }

            var prefix = segments[^1] == "*" ? segments[..^1] : segments;
            if (seen.Exists(other => Covers(other, prefix) || Covers(prefix, other)))
            {
                context.Error(path, $"locality {locality} overlap with previous specified ones");
                return;
            }

            seen.Add(prefix);
        }
    }

    private static bool Covers(string[] shorter, string[] longer) =>
        shorter.Length <= longer.Length && shorter.AsSpan().SequenceEqual(longer.AsSpan(0, shorter.Length));
}
