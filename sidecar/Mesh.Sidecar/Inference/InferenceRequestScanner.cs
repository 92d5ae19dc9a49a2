using System.Buffers.Text;
using System.Text.Json;

namespace Mesh.Sidecar.Inference;

/// <summary>How far the scanner got in the body prefix it was given.</summary>
internal enum InferenceScanOutcome
{
    /// <summary>The top-level object has not ended yet; feed more bytes.</summary>
    Incomplete,

    /// <summary>The top-level object ended; every field it has was seen.</summary>
    Complete,

    /// <summary>The body is not a JSON object (an array, a scalar, or not JSON at all).</summary>
    NotAnObject,

    /// <summary>The body is not well-formed JSON at the top level of the object.</summary>
    Malformed,
}

/// <summary>
/// Reads the top-level fields of an OpenAI-style request body (<c>model</c>, <c>stream</c>, <c>max_tokens</c>,
/// <c>user</c>, and whether <c>stream_options.include_usage</c> is set) one byte at a time, across any chunk boundaries, holding no more than one short key and one short
/// value. Nested values (the messages, which can be megabytes) are skipped by depth counting, never materialised:
/// this is what lets the sidecar route a 50 MB body by its model without buffering it.
/// </summary>
internal sealed class InferenceRequestScanner
{
    /// <summary>Longer scalar values (a model name of more than this) are not used for routing.</summary>
    public const int MaxValueBytes = 256;

    private const int MaxKeyBytes = 32;

    private enum State
    {
        BeforeObject,
        BeforeKey,
        InKey,
        AfterKey,
        BeforeValue,
        InString,
        InScalar,
        InNested,
        AfterValue,
        Done,
    }

    private readonly byte[] _key = new byte[MaxKeyBytes];
    private readonly byte[] _value = new byte[MaxValueBytes];
    private State _state = State.BeforeObject;
    private InferenceScanOutcome _outcome = InferenceScanOutcome.Incomplete;
    private int _keyLength;
    private int _valueLength;
    private bool _keyTooLong;
    private bool _valueTooLong;
    private bool _escaped;
    private bool _expectKeyAfterComma;
    private int _nestedDepth;
    private bool _nestedInString;
    private bool _inPrompt;
    private bool _capturingNested;

    public string? Model { get; private set; }

    /// <summary>True when the body has a <c>model</c> that is not a string (or is too long to route on).</summary>
    public bool ModelUnusable { get; private set; }

    public bool? Stream { get; private set; }

    /// <summary><c>max_tokens</c>, or the newer <c>max_completion_tokens</c>.</summary>
    public long? MaxTokens { get; private set; }

    public string? User { get; private set; }

    /// <summary>Block hashes of the <c>messages</c> or <c>prompt</c> value's raw bytes, for prefix-aware endpoint picking.</summary>
    public PromptPrefixHasher Prompt { get; } = new();

    /// <summary>True when the body has a top-level <c>stream_options</c> that is not null.</summary>
    public bool StreamOptionsPresent { get; private set; }

    /// <summary>True when <c>stream_options.include_usage</c> is <c>true</c> (a stream_options too long to read counts as false).</summary>
    public bool IncludeUsage { get; private set; }

    public InferenceScanOutcome Outcome => _outcome;

    /// <summary>Consumes <paramref name="data"/>; returns <see cref="InferenceScanOutcome.Incomplete"/> until the object ends or fails.</summary>
    public InferenceScanOutcome Feed(ReadOnlySpan<byte> data)
    {
        foreach (var b in data)
        {
            if (_outcome != InferenceScanOutcome.Incomplete)
            {
                break;
            }

            Step(b);
        }

        return _outcome;
    }

    private void Step(byte b)
    {
        if (_inPrompt && _state is State.InString or State.InScalar or State.InNested)
        {
            Prompt.Add(b);
        }

        switch (_state)
        {
            case State.BeforeObject:
                if (b == (byte)'{')
                {
                    _state = State.BeforeKey;
                }
                else if (!IsWhitespace(b))
                {
                    Finish(InferenceScanOutcome.NotAnObject);
                }

                break;
            case State.BeforeKey:
                if (b == (byte)'"')
                {
                    _keyLength = 0;
                    _keyTooLong = false;
                    _escaped = false;
                    _state = State.InKey;
                }
                else if (b == (byte)'}' && !_expectKeyAfterComma)
                {
                    Finish(InferenceScanOutcome.Complete);
                }
                else if (!IsWhitespace(b))
                {
                    Finish(InferenceScanOutcome.Malformed);
                }

                break;
            case State.InKey:
                if (EndsString(b))
                {
                    _state = State.AfterKey;
                }
                else if (_keyLength < MaxKeyBytes)
                {
                    _key[_keyLength++] = b;
                }
                else
                {
                    _keyTooLong = true;
                }

                break;
            case State.AfterKey:
                if (b == (byte)':')
                {
                    _state = State.BeforeValue;
                }
                else if (!IsWhitespace(b))
                {
                    Finish(InferenceScanOutcome.Malformed);
                }

                break;
            case State.BeforeValue:
                StartValue(b);
                break;
            case State.InString:
                if (EndsString(b))
                {
                    Record(isString: true);
                }
                else
                {
                    Capture(b);
                }

                break;
            case State.InScalar:
                if (IsWhitespace(b) || b is (byte)',' or (byte)'}')
                {
                    Record(isString: false);
                    Step(b);
                }
                else
                {
                    Capture(b);
                }

                break;
            case State.InNested:
                SkipNested(b);
                break;
            case State.AfterValue:
                if (b == (byte)',')
                {
                    _expectKeyAfterComma = true;
                    _state = State.BeforeKey;
                }
                else if (b == (byte)'}')
                {
                    Finish(InferenceScanOutcome.Complete);
                }
                else if (!IsWhitespace(b))
                {
                    Finish(InferenceScanOutcome.Malformed);
                }

                break;
        }
    }

    private void StartValue(byte b)
    {
        if (IsWhitespace(b))
        {
            return;
        }

        _expectKeyAfterComma = false;
        _inPrompt = KeyName() is "messages" or "prompt";
        if (_inPrompt)
        {
            Prompt.Add(b);
        }

        _valueLength = 0;
        _valueTooLong = false;
        _escaped = false;
        switch (b)
        {
            case (byte)'"':
                _state = State.InString;
                break;
            case (byte)'{' or (byte)'[':
                MarkUnusable();
                _nestedDepth = 1;
                _nestedInString = false;
                // stream_options is a small object: keep its bytes (bounded) to read include_usage when it closes.
                _capturingNested = KeyName() == "stream_options";
                if (_capturingNested)
                {
                    Capture(b);
                }

                _state = State.InNested;
                break;
            case (byte)',' or (byte)'}' or (byte)']' or (byte)':':
                Finish(InferenceScanOutcome.Malformed);
                break;
            default:
                _state = State.InScalar;
                Capture(b);
                break;
        }
    }

    private void SkipNested(byte b)
    {
        if (_capturingNested)
        {
            Capture(b);
        }

        if (_nestedInString)
        {
            _nestedInString = !EndsString(b);
            return;
        }

        switch (b)
        {
            case (byte)'"':
                _nestedInString = true;
                _escaped = false;
                break;
            case (byte)'{' or (byte)'[':
                _nestedDepth++;
                break;
            case (byte)'}' or (byte)']':
                if (--_nestedDepth == 0)
                {
                    _state = State.AfterValue;
                    _inPrompt = false;
                    if (_capturingNested)
                    {
                        _capturingNested = false;
                        RecordStreamOptions();
                    }
                }

                break;
        }
    }

    /// <summary>True at the quote that closes a string; tracks backslash escapes so <c>\"</c> does not close it.</summary>
    private bool EndsString(byte b)
    {
        if (_escaped)
        {
            _escaped = false;
            return false;
        }

        if (b == (byte)'\\')
        {
            _escaped = true;
            return false;
        }

        return b == (byte)'"';
    }

    private void Capture(byte b)
    {
        if (_valueLength < MaxValueBytes)
        {
            _value[_valueLength++] = b;
        }
        else
        {
            _valueTooLong = true;
        }
    }

    private void Record(bool isString)
    {
        _state = State.AfterValue;
        _inPrompt = false;
        var value = _value.AsSpan(0, _valueLength);
        switch (KeyName())
        {
            case "model":
                Model = isString && !_valueTooLong ? DecodeString(value) : null;
                ModelUnusable = Model is null;
                break;
            case "stream":
                Stream = !isString && value.SequenceEqual("true"u8) ? true : !isString && value.SequenceEqual("false"u8) ? false : null;
                break;
            case "max_tokens" or "max_completion_tokens":
                MaxTokens = !isString && Utf8Parser.TryParse(value, out long tokens, out var used) && used == value.Length && tokens >= 0 ? tokens : null;
                break;
            case "user":
                User = isString && !_valueTooLong ? DecodeString(value) : null;
                break;
            case "stream_options":
                // null is what OpenAI treats as absent; any other scalar is the model server's to refuse.
                StreamOptionsPresent = isString || !value.SequenceEqual("null"u8);
                IncludeUsage = false;
                break;
        }
    }

    private void RecordStreamOptions()
    {
        StreamOptionsPresent = true;
        IncludeUsage = !_valueTooLong && ReadsIncludeUsage(_value.AsSpan(0, _valueLength));
    }

    private static bool ReadsIncludeUsage(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            var includeUsage = false;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("include_usage"u8))
                {
                    reader.Read();
                    includeUsage = reader.TokenType == JsonTokenType.True;
                }
            }

            return includeUsage;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>A <c>model</c> given as an object or array can't be routed on; the other fields simply stay unset.</summary>
    private void MarkUnusable()
    {
        if (KeyName() == "model")
        {
            Model = null;
            ModelUnusable = true;
        }
    }

    private string? KeyName() => _keyTooLong ? null : _key.AsSpan(0, _keyLength) switch
    {
        var k when k.SequenceEqual("model"u8) => "model",
        var k when k.SequenceEqual("stream"u8) => "stream",
        var k when k.SequenceEqual("max_tokens"u8) => "max_tokens",
        var k when k.SequenceEqual("max_completion_tokens"u8) => "max_completion_tokens",
        var k when k.SequenceEqual("user"u8) => "user",
        var k when k.SequenceEqual("messages"u8) => "messages",
        var k when k.SequenceEqual("prompt"u8) => "prompt",
        var k when k.SequenceEqual("stream_options"u8) => "stream_options",
        _ => null,
    };

    /// <summary>The raw bytes between the quotes, unescaped and checked as UTF-8 by the real JSON reader; null if invalid.</summary>
    private static string? DecodeString(ReadOnlySpan<byte> raw)
    {
        Span<byte> quoted = stackalloc byte[raw.Length + 2];
        quoted[0] = (byte)'"';
        raw.CopyTo(quoted[1..]);
        quoted[^1] = (byte)'"';
        try
        {
            var reader = new Utf8JsonReader(quoted);
            return reader.Read() && reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null;
        }
    }

    private void Finish(InferenceScanOutcome outcome)
    {
        _outcome = outcome;
        _state = State.Done;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
