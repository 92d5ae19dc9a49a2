using System.Text.Json;

namespace Mesh.Sidecar.Inference;

/// <summary>
/// Finds <c>usage</c> in a JSON response body fed to it in the pieces it arrives in, without keeping the body: only
/// the bytes of a token cut by a piece boundary are carried to the next piece. A body that is not JSON, or a single
/// token longer than <see cref="MaxCarryBytes"/>, ends the reading; the body itself is never affected.
/// </summary>
internal sealed class JsonUsageReader
{
    public const int MaxCarryBytes = 256 * 1024;

    private JsonReaderState _state = new(new JsonReaderOptions { MaxDepth = 256 });
    private UsageFields _fields;
    private byte[] _carry = [];
    private int _carryLength;
    private bool _started;

    /// <summary>True once reading stopped: the body was not a JSON object, or a token was too long.</summary>
    public bool GaveUp { get; private set; }

    public UsageFields Fields => _fields;

    public void Feed(ReadOnlySpan<byte> data)
    {
        if (GaveUp || data.IsEmpty)
        {
            return;
        }

        if (_carryLength == 0)
        {
            Read(data);
            return;
        }

        var combined = new byte[_carryLength + data.Length];
        _carry.AsSpan(0, _carryLength).CopyTo(combined);
        data.CopyTo(combined.AsSpan(_carryLength));
        _carryLength = 0;
        Read(combined);
    }

    private void Read(ReadOnlySpan<byte> data)
    {
        try
        {
            var reader = new Utf8JsonReader(data, isFinalBlock: false, _state);
            while (reader.Read())
            {
                if (!_started)
                {
                    _started = true;
                    if (reader.TokenType != JsonTokenType.StartObject)
                    {
                        GaveUp = true;
                        return;
                    }

                    continue;
                }

                _fields.Observe(ref reader);
            }

            _state = reader.CurrentState;
            Carry(data[(int)reader.BytesConsumed..]);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            GaveUp = true;
        }
    }

    private void Carry(ReadOnlySpan<byte> rest)
    {
        if (rest.Length > MaxCarryBytes)
        {
            GaveUp = true;
            return;
        }

        if (_carry.Length < rest.Length)
        {
            _carry = new byte[Math.Max(rest.Length, 1024)];
        }

        rest.CopyTo(_carry);
        _carryLength = rest.Length;
    }
}
