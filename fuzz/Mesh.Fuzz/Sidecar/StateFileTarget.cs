using Mesh.Sidecar.State;

namespace Mesh.Fuzz.Sidecar;

/// <summary>
/// The state file a restarted sidecar routes with before any silo answers. The documented error is
/// <see cref="ResourceStateException"/>: the sidecar logs it and starts without the file.
/// </summary>
internal static class StateFileTarget
{
    public static void Load(byte[] input)
    {
        try
        {
            var state = StateFile.Read(input, "fuzz.json");
            // What a resume sends next: every held resource's key and version.
            state.HeldVersions(new Mesh.Contracts.Protocol.V1.Subscribe());
        }
        catch (ResourceStateException)
        {
        }
    }
}
