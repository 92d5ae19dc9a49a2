using System.Text.Json;
using Mesh.Contracts.Protocol;

namespace Mesh.Silo.Subscriptions;

/// <summary>
/// Reads the two frames every subscriber sends after every push — <c>ack</c> and <c>heartbeat</c> — without the
/// polymorphic serializer, because with thousands of subscribers their parsing is most of the silo's receive work.
/// Anything else, or anything unusual, falls back to the full deserializer.
/// </summary>
internal static class FrameFastPath
{
    public static bool TryRead(ReadOnlySpan<byte> json, out SubscriptionFrame? frame)
    {
        frame = null;
        try
        {
            return TryReadCore(json, ref frame);
        }
        catch (JsonException)
        {
            // Malformed: the full deserializer reports it with position, as a protocol violation.
            frame = null;
            return false;
        }
    }

    private static bool TryReadCore(ReadOnlySpan<byte> json, ref SubscriptionFrame? frame)
    {
        var reader = new Utf8JsonReader(json);
        string? type = null;
        long? revision = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8) && reader.Read() && reader.TokenType == JsonTokenType.String)
            {
                type = reader.ValueTextEquals("ack"u8) ? "ack" : reader.ValueTextEquals("heartbeat"u8) ? "heartbeat" : null;
                if (type is null)
                {
                    return false;
                }
            }
            else if (reader.ValueTextEquals("revision"u8) && reader.Read() && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value))
            {
                revision = value;
            }
            else
            {
                return false;
            }
        }

        if (reader.TokenType != JsonTokenType.EndObject || reader.Read() || type is null || revision is not { } r)
        {
            return false;
        }

        frame = type == "ack" ? new AckFrame(r) : new HeartbeatFrame(r);
        return true;
    }
}
