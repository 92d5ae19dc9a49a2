namespace Mesh.Istio.Validation.Schema;

/// <summary>
/// What the mesh does with one Istio field it accepts without enforcing it. <see cref="Shape"/> is the type the value
/// must have when the contracts model has no property for it (null when the model has one but nothing reads it).
/// </summary>
internal sealed record FieldNote(Type? Shape, string Code, string Why);
