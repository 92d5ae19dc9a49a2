namespace Mesh.Fuzz;

/// <summary>
/// One fuzz target: <see cref="Run"/> feeds an input to the code under test and lets escape only what is a defect
/// (any exception other than the API's documented validation error, or a broken invariant).
/// </summary>
internal sealed record FuzzTarget(string Name, string Description, Action<byte[]> Run);

/// <summary>Thrown by a target when the code under test returned, but broke a property the target checks.</summary>
internal sealed class FuzzPropertyException(string message) : Exception(message);

internal static class FuzzTargets
{
    public static IReadOnlyList<FuzzTarget> All { get; } =
    [
        new("resources", "YAML/JSON resource reader, then the Istio validator on each document", Documents.ResourceTarget.ReadAndValidate),
        new("routing", "resources that read and validate cleanly, compiled for a sidecar and a gateway", Documents.RoutingTarget.Compile),
        new("jwt", "JWKS (first line) and token (rest) through RequestAuthentication", Security.JwtTarget.Authenticate),
        new("csr", "CSR PEM imported and signed into an SVID by the CA", Security.CsrTarget.Issue),
        new("strings", "SPIFFE IDs, CIDR blocks, Istio durations, authorization patterns and user regexes", Text.StringsTarget.Parse),
        new("state-file", "the sidecar's state file reader", Sidecar.StateFileTarget.Load),
        new("inference", "AI body readers: request scanner, JSON usage reader, SSE usage filter, in pieces", Sidecar.InferenceTarget.Read),
        new("subscription", "a discovery.proto frame, parsed as response and request and applied as the sidecar does", Subscription.SubscriptionTarget.Receive),
    ];

    public static FuzzTarget? Find(string name) => All.FirstOrDefault(t => t.Name == name);
}

internal static class FuzzInput
{
    // afl-fuzz keeps inputs small; the cap only bounds a replayed file.
    private const int MaxBytes = 1024 * 1024;

    public static byte[] Read(Stream stream)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[64 * 1024];
        int read;
        while (buffer.Length < MaxBytes && (read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }
}
