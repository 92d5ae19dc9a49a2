namespace Mesh.Istio.Validation;

public enum ValidationSeverity
{
    /// <summary>The resource is rejected.</summary>
    Error,

    /// <summary>The resource is accepted but probably does not do what its author meant.</summary>
    Warning,

    /// <summary>Worth knowing, harmless (istioctl's Info level, e.g. IST0131).</summary>
    Info,
}

/// <summary>
/// One finding. <see cref="Code"/> follows <c>istioctl analyze</c> (IST0106 schema error, IST0101 referenced resource
/// not found, ...) or is mesh-specific (MESH101 accepted but not enforced yet, MESH102 not applicable without
/// Kubernetes). Analyzer findings start their message with the resource they are reported on ("Kind ns/name: ..."). <see cref="Path"/> is a field path such as <c>spec.http[0].route[1].weight</c>.
/// </summary>
public sealed record ValidationMessage(ValidationSeverity Severity, string Code, string Path, string Message)
{
    public const string SchemaError = "IST0106";
    public const string ReferencedResourceNotFound = "IST0101";

    /// <summary>"Kind namespace/name" of the resource an analyzer finding is reported on (the message starts with it too).</summary>
    public string? Resource { get; init; }

    public override string ToString() => Path.Length == 0 ? $"{Severity} [{Code}] {Message}" : $"{Severity} [{Code}] {Path}: {Message}";
}
