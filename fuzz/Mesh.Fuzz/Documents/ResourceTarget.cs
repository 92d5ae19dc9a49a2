using System.Text;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation;
using Mesh.Istio.Yaml;

namespace Mesh.Fuzz.Documents;

/// <summary>
/// What <c>meshctl apply -f</c> and the silo do with a file: read every document, then validate each one, strict as
/// the admission webhook and lenient. The documented error of the reader is <see cref="ResourceReadException"/>; the
/// validator reports problems as messages and never throws.
/// </summary>
internal static class ResourceTarget
{
    public static void ReadAndValidate(byte[] input) => ReadValid(input);

    /// <summary>The resources of <paramref name="input"/> that validate without errors (empty when it does not read).</summary>
    public static List<MeshResource> ReadValid(byte[] input)
    {
        IReadOnlyList<MeshResource> resources;
        try
        {
            resources = ResourceDocumentReader.Read(Encoding.UTF8.GetString(input));
        }
        catch (ResourceReadException)
        {
            return [];
        }

        var valid = new List<MeshResource>();
        foreach (var resource in resources)
        {
            var strict = ResourceValidator.Validate(resource, strict: true);
            var lenient = ResourceValidator.Validate(resource, strict: false);
            if (lenient.Count(m => m.Severity == ValidationSeverity.Error) > strict.Count(m => m.Severity == ValidationSeverity.Error))
            {
                throw new FuzzPropertyException($"lenient validation found more errors than strict: {string.Join("; ", lenient)}");
            }

            if (!strict.Any(m => m.Severity == ValidationSeverity.Error))
            {
                valid.Add(resource);
            }
        }

        return valid;
    }
}
