namespace Mesh.Istio.Validation;

/// <summary>Istio's rules for <c>exportTo</c>: ".", "*", a namespace, or (ServiceEntry only) "~" for nobody.</summary>
internal static class Visibility
{
    public static void Check(string path, IReadOnlyList<string>? exportTo, bool serviceEntry, ValidationContext context)
    {
        if (exportTo is not { Count: > 0 })
        {
            return;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < exportTo.Count; i++)
        {
            var entry = exportTo[i];
            if (!seen.Add(entry))
            {
                context.Error($"{path}[{i}]", $"duplicate entries in exportTo for entry {entry}");
            }
            else if (entry == "~" && !serviceEntry)
            {
                context.Error($"{path}[{i}]", "exportTo ~ (no one) is only valid for a ServiceEntry");
            }
            else if (entry is not ("." or "*" or "~") && !Dns1123.IsLabel(entry))
            {
                context.Error($"{path}[{i}]", $"\"{entry}\" is not a namespace, \".\" or \"*\"");
            }
        }

        if (exportTo.Count > 1 && seen.Contains("*"))
        {
            context.Error(path, "cannot have both public (*) and non-public exportTo values for a resource");
        }

        if (exportTo.Count > 1 && seen.Contains("~"))
        {
            context.Error(path, "cannot export service entry to no one (~) and someone");
        }
    }
}
