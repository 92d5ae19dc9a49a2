using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;
using Mesh.Silo.Api;

namespace Mesh.Silo.Policy;

/// <summary>Validates a configuration resource before it is stored; every problem is returned with its field path.</summary>
internal interface IResourceValidator
{
    IReadOnlyList<FieldError> Validate(MeshResource resource);
}

/// <summary>
/// Istio's validation, strict as its admission webhook (unknown fields are errors). The same code runs offline in
/// meshctl, so a file that passes <c>meshctl apply --dry-run</c> passes here.
/// </summary>
internal sealed class IstioResourceValidator : IResourceValidator
{
    public IReadOnlyList<FieldError> Validate(MeshResource resource)
    {
        if (resource.Kind is null || !ResourceKinds.IsConfigKind(resource.Kind))
        {
            return [new FieldError("kind", $"'{InputValidation.Clip(resource.Kind)}' is not a known kind; expected one of {string.Join(", ", ResourceKinds.ConfigKindGroups.Keys)}")];
        }

        return ResourceValidator.Validate(resource, strict: true)
            .Where(m => m.Severity == ValidationSeverity.Error)
            .Select(m => new FieldError(m.Path.Length == 0 ? "$" : m.Path, m.Message))
            .ToList();
    }
}
