using System.Text.RegularExpressions;
using Mesh.Contracts.Inference;

namespace Mesh.Istio.Validation;

/// <summary>
/// The Gateway API Inference Extension's rules for <c>InferencePool</c> v1 (its CRD's validation): a selector with
/// labels, 1-8 unique target ports, and a picker reference with a name (and a port when it is a Service).
/// </summary>
internal static partial class InferencePoolValidator
{
    private const int MaxTargetPorts = 8;

    public static void Validate(InferencePoolSpec spec, ValidationContext context)
    {
        if (spec.Selector?.MatchLabels is not { Count: > 0 } labels)
        {
            context.Error("spec.selector.matchLabels", "is required: at least one label selects the pool's model servers");
        }
        else
        {
            foreach (var (key, value) in labels)
            {
                if (!IsQualifiedName(key))
                {
                    context.Error($"spec.selector.matchLabels.{key}", $"\"{key}\" is not a valid label key ([prefix/]name, name at most 63 characters)");
                }
                else if (value is null || (value.Length > 0 && !(value.Length <= 63 && LabelName().IsMatch(value))))
                {
                    context.Error($"spec.selector.matchLabels.{key}", $"\"{value}\" is not a valid label value (at most 63 letters, digits, '-', '_', '.')");
                }
            }
        }

        var ports = spec.TargetPorts ?? [];
        if (ports.Count is 0 or > MaxTargetPorts)
        {
            context.Error("spec.targetPorts", $"must list 1 to {MaxTargetPorts} ports, found {ports.Count}");
        }

        var seen = new HashSet<int>();
        for (var i = 0; i < ports.Count; i++)
        {
            var path = $"spec.targetPorts[{i}].number";
            if (ports[i]?.Number is not { } number)
            {
                context.Error(path, "is required");
            }
            else
            {
                context.Port(path, number);
                if (!seen.Add(number))
                {
                    context.Error(path, $"port {number} is listed twice; target ports must be unique");
                }
            }
        }

        context.OneOf("spec.appProtocol", spec.AppProtocol, "http", "kubernetes.io/h2c");
        Picker(spec.EndpointPickerRef, context);
    }

    private static void Picker(EndpointPickerRef? picker, ValidationContext context)
    {
        if (picker is null)
        {
            context.Error("spec.endpointPickerRef", "is required");
            return;
        }

        if (string.IsNullOrEmpty(picker.Name))
        {
            context.Error("spec.endpointPickerRef.name", "is required");
        }
        else if (!Dns1123.IsLabel(picker.Name))
        {
            context.Error("spec.endpointPickerRef.name", $"\"{picker.Name}\" must be a DNS-1123 label");
        }

        var kind = string.IsNullOrEmpty(picker.Kind) ? "Service" : picker.Kind;
        if (kind == "Service" && string.IsNullOrEmpty(picker.Group) && picker.Port?.Number is null)
        {
            context.Error("spec.endpointPickerRef.port", "is required when the picker is a Service");
        }
        else if (picker.Port?.Number is { } number)
        {
            context.Port("spec.endpointPickerRef.port.number", number);
        }

        context.OneOf("spec.endpointPickerRef.failureMode", picker.FailureMode, "FailOpen", "FailClose");
        context.Warning("MESH102", "spec.endpointPickerRef",
            "accepted; Mesh's sidecars pick the pool's endpoints themselves (prefix- and load-aware), the referenced picker is not called");
    }

    private static bool IsQualifiedName(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var name = slash < 0 ? key : key[(slash + 1)..];
        return (slash < 0 || Dns1123.IsSubdomain(key[..slash])) && name.Length is > 0 and <= 63 && LabelName().IsMatch(name);
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$", RegexOptions.NonBacktracking)]
    private static partial Regex LabelName();
}
