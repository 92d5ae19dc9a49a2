namespace Mesh.Istio.Validation.Schema;

/// <summary>
/// Marks a string field of an Istio-only shape as one of Istio's enum values, so the schema walk checks it like a
/// typed enum without the shape needing a C# enum spelled in Istio's upper case.
/// </summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class IstioEnumAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}
