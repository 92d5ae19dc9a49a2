using Google.Protobuf;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Sidecar.State;

namespace Mesh.Fuzz.Subscription;

/// <summary>
/// One message of the subscription stream (discovery.proto, the bytes of a gRPC frame after its length prefix). As
/// a <see cref="SubscribeResponse"/> it is what the sidecar receives: parsed, then applied to the resources it holds
/// (<see cref="ResourceState.Apply"/>). As a <see cref="SubscribeRequest"/> it is what the silo receives: the node
/// and the held versions are converted. Documented errors: <see cref="InvalidProtocolBufferException"/> (the stream
/// fails and the client reconnects) and <see cref="ResourceStateException"/> (the sidecar NACKs).
/// </summary>
internal static class SubscriptionTarget
{
    public static void Receive(byte[] input)
    {
        Response(input);
        Request(input);
    }

    private static void Response(byte[] input)
    {
        SubscribeResponse response;
        try
        {
            response = SubscribeResponse.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }

        if (response.MessageCase != SubscribeResponse.MessageOneofCase.Resources)
        {
            return;
        }

        try
        {
            // Twice: the second response lands on a state that already holds the first one's resources.
            var state = ResourceState.Empty.Apply(response.Resources).Apply(response.Resources);
            foreach (var (key, resource) in state.Resources)
            {
                if (resource.Key != key)
                {
                    throw new FuzzPropertyException($"state holds {resource.Key} under the key {key}");
                }
            }

            state.HeldVersions(new Subscribe());
        }
        catch (ResourceStateException)
        {
        }
    }

    private static void Request(byte[] input)
    {
        SubscribeRequest request;
        try
        {
            request = SubscribeRequest.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException)
        {
            return;
        }

        if (request.MessageCase == SubscribeRequest.MessageOneofCase.Subscribe && request.Subscribe.Node is { } node)
        {
            _ = WireResources.FromWire(node);
            foreach (var (key, version) in request.Subscribe.InitialResourceVersions)
            {
                _ = WireResources.TryParseKey(key, out _) && WireResources.TryParseVersion(version, out _);
            }
        }
    }
}
