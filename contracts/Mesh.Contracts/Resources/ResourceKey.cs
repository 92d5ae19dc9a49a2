namespace Mesh.Contracts.Resources;

/// <summary>Identifies one stored resource: its kind, namespace and name.</summary>
public readonly record struct ResourceKey(string Kind, string Namespace, string Name)
{
    public override string ToString() => $"{Kind}/{Namespace}/{Name}";
}
