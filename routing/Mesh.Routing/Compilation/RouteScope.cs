namespace Mesh.Routing.Compilation;

/// <summary>
/// Where routes are being compiled: the sidecar's outbound routing (gateway name <c>mesh</c>) or one Gateway
/// (<c>ns/name</c>), on a listener or service port.
/// </summary>
internal sealed record RouteScope(string Gateway, int Port, string Namespace)
{
    public bool IsMesh => Gateway == CompilationContext.MeshGateway;

    /// <summary>
    /// Whether a gateway reference written in a resource of namespace <see cref="Namespace"/> names this scope. A bare
    /// name refers to a Gateway in the resource's own namespace.
    /// </summary>
    public bool Includes(string reference) => Qualify(reference, Namespace) == Gateway;

    public static string Qualify(string reference, string ns) =>
        reference == CompilationContext.MeshGateway ? reference :
        reference.Contains('/', StringComparison.Ordinal) ? reference : $"{ns}/{reference}";
}
