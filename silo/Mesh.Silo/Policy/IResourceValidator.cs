using Mesh.Contracts.Resources;
using Mesh.Silo.Api;

namespace Mesh.Silo.Policy;

/// <summary>Validates a configuration resource before it is stored; every problem is returned with its field path.</summary>
internal interface IResourceValidator
{
    IReadOnlyList<FieldError> Validate(MeshResource resource);
}

/// <summary>Envelope checks only: known kind, matching apiVersion, DNS-1123 names, spec object.</summary>
internal sealed class EnvelopeValidator : IResourceValidator
{
    public IReadOnlyList<FieldError> Validate(MeshResource resource)
    {
        var errors = new List<FieldError>();
        if (!ResourceKinds.ConfigKindGroups.TryGetValue(resource.Kind, out var group))
        {
            errors.Add(new FieldError("kind", $"'{InputValidation.Clip(resource.Kind)}' is not a known kind; expected one of {string.Join(", ", ResourceKinds.ConfigKindGroups.Keys)}"));
            return errors;
        }

        InputValidation.CheckEnvelope(resource, resource.Kind, group, ResourceKinds.IstioVersions, errors);
        return errors;
    }
}
