namespace Mesh.Istio.Validation.Schema;

/// <summary>
/// What the mesh does with one Istio field it accepts without enforcing it. <see cref="Shape"/> is the type the value
/// must have when the contracts model has no property for it (null when the model has one but nothing reads it).
/// <see cref="Matters"/>, when set, says whether a given value makes a difference (exportTo: ["*"] is what the mesh
/// does anyway, so it warns of nothing).
/// </summary>
internal sealed record FieldNote(Type? Shape, string Code, string Why, Func<System.Text.Json.JsonElement, bool>? Matters = null);
