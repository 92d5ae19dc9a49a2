using System.Text;
using System.Text.Json.Nodes;

namespace Mesh.Tests.Fuzz;

/// <summary>
/// Structure-aware mutations of a valid JSON body: every choice comes from the one seeded <see cref="Random"/>, so a
/// seed and an iteration number replay the exact request. Each mutation returns a short description for the report.
/// </summary>
internal sealed class JsonMutator(Random random)
{
    private static readonly string[] OddStrings =
    [
        "", " ", "\0", "a\0b", "NaN", "-1", "1e999", "null", "true", "../../etc/passwd", "ÿ", "😀", "\u202e", "\ud7ff",
        "A_B", "-a-", "a.", "*", "**", "/", "%00", "{{x}}", "${x}", "<script>", "'", "\"", "\\", "\n", new string('x', 300),
        "[", "(a+)+$", "^(?=a)", "\\1", "a{1000000}", "*.example.com", "10.0.0.1", "::1", "999.1.1.1", "1s", "-1s", "0s",
        "99999999999h", "HTTP", "STRICT", "ALLOW", "DENY", "default", "reviews",
    ];

    private static readonly string[] OddNames = ["extra", "", "$ref", "__proto__", "Spec", "apiVersion", "metadata", "\0", "a.b", new string('k', 1000)];

    private static readonly Func<Random, JsonNode?>[] OddValues =
    [
        _ => null,
        _ => JsonValue.Create(true),
        _ => JsonValue.Create(false),
        _ => JsonValue.Create(0),
        _ => JsonValue.Create(-1),
        _ => JsonValue.Create(65536),
        _ => JsonValue.Create(2147483648L),
        _ => JsonValue.Create(long.MaxValue),
        _ => JsonValue.Create(ulong.MaxValue),
        _ => JsonValue.Create(1e308),
        _ => JsonValue.Create(-0.0),
        _ => JsonValue.Create(1.5),
        r => JsonValue.Create(OddStrings[r.Next(OddStrings.Length)]),
        _ => new JsonArray(),
        _ => new JsonObject(),
        _ => new JsonArray((JsonNode?)null),
        _ => new JsonObject { ["a"] = null },
        _ => new JsonArray(JsonValue.Create(1), JsonValue.Create("a"), new JsonObject()),
    ];

    /// <summary>Applies one tree mutation to <paramref name="root"/> (which may be replaced) and says what it did.</summary>
    public string Mutate(ref JsonNode? root)
    {
        var nodes = new List<(JsonNode? Node, JsonNode? Parent, string Path)>();
        Collect(root, null, "$", nodes);
        var (node, parent, path) = nodes[random.Next(nodes.Count)];
        switch (random.Next(10))
        {
            case 0:
                var value = Odd();
                Replace(ref root, node, parent, value);
                return $"{path} = {Show(value)}";
            case 1:
                Replace(ref root, node, parent, null);
                return $"{path} = null";
            case 2 when parent is JsonObject o:
                o.Remove(KeyOf(o, node));
                return $"remove {path}";
            case 3:
                var target = nodes.Select(n => n.Node).OfType<JsonObject>().ToList() is { Count: > 0 } objects ? objects[random.Next(objects.Count)] : null;
                if (target is null)
                {
                    goto default;
                }

                var name = random.Next(3) == 0 && target.Count > 0 ? Flip(target.ElementAt(random.Next(target.Count)).Key) : OddNames[random.Next(OddNames.Length)];
                var extra = Odd();
                target[name] = extra;
                return $"add field '{Clip(name)}' = {Show(extra)}";
            case 4:
                var huge = new string((char)('a' + random.Next(26)), random.Next(2) == 0 ? 4096 : 200_000);
                Replace(ref root, node, parent, JsonValue.Create(huge));
                return $"{path} = string of {huge.Length}";
            case 5:
                var count = random.Next(2) == 0 ? 1000 : 20_000;
                var array = new JsonArray();
                // A small template only: a list of 20,000 copies of a huge node would not fit in memory.
                var template = node is not null && node.ToJsonString().Length <= 200 ? node.DeepClone() : null;
                for (var i = 0; i < count; i++)
                {
                    array.Add(random.Next(2) == 0 && template is not null ? template.DeepClone() : JsonValue.Create(i));
                }

                Replace(ref root, node, parent, array);
                return $"{path} = list of {count}";
            case 6:
                var depth = random.Next(2) == 0 ? 30 : 70;
                JsonNode nested = JsonValue.Create("deep");
                for (var i = 0; i < depth; i++)
                {
                    nested = random.Next(2) == 0 ? new JsonArray(nested) : new JsonObject { ["a"] = nested };
                }

                Replace(ref root, node, parent, nested);
                return $"{path} = nested {depth} deep";
            case 7:
                var donor = nodes[random.Next(nodes.Count)].Node?.DeepClone();
                Replace(ref root, node, parent, donor);
                return $"{path} = copy of another node ({Show(donor)})";
            case 8 when node is JsonArray list && list.Count > 0:
                var copies = random.Next(2, 50);
                var first = list[0];
                for (var i = 0; i < copies; i++)
                {
                    list.Add(first?.DeepClone());
                }

                return $"{path} repeated its first item {copies} times";
            default:
                var text = JsonValue.Create(OddStrings[random.Next(OddStrings.Length)]);
                Replace(ref root, node, parent, text);
                return $"{path} = {Show(text)}";
        }
    }

    /// <summary>Byte-level damage to a serialized body: what a broken client or a hostile one sends.</summary>
    public (byte[] Body, string Description) Damage(byte[] body)
    {
        switch (random.Next(7))
        {
            case 0:
                return (Insert(body, [0xC3, 0x28]), "invalid UTF-8 (C3 28) inside a string");
            case 1:
                return (Insert(body, [0xED, 0xA0, 0x80]), "UTF-8 encoded surrogate inside a string");
            case 2:
                return (Insert(body, "\\ud800"u8.ToArray()), "escaped lone surrogate inside a string");
            case 3:
                var cut = body.Length == 0 ? 0 : random.Next(body.Length);
                return (body[..cut], $"truncated at byte {cut} of {body.Length}");
            case 4:
                var flipped = (byte[])body.Clone();
                var flips = random.Next(1, 4);
                for (var i = 0; i < flips && flipped.Length > 0; i++)
                {
                    flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                }

                return (flipped, $"{flips} random bytes");
            case 5:
                string[] whole = ["", "null", "[]", "\"text\"", "0", "{", "}", "{}", "{\"a\":1,\"a\":2}", "\uFEFF{}"];
                var pick = whole[random.Next(whole.Length)];
                return (Encoding.UTF8.GetBytes(pick), $"whole body '{pick}'");
            default:
                return ([.. "\uFEFF"u8.ToArray(), .. body], "byte order mark");
        }
    }

    private byte[] Insert(byte[] body, byte[] bytes)
    {
        // Right after an opening quote, so the bytes land inside a string value or field name.
        var quotes = Enumerable.Range(0, body.Length).Where(i => body[i] == (byte)'"').ToList();
        var at = quotes.Count == 0 ? 0 : quotes[random.Next(quotes.Count)] + 1;
        return [.. body[..at], .. bytes, .. body[at..]];
    }

    private JsonNode? Odd() => OddValues[random.Next(OddValues.Length)](random);

    private static void Collect(JsonNode? node, JsonNode? parent, string path, List<(JsonNode?, JsonNode?, string)> nodes)
    {
        nodes.Add((node, parent, path));
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, child) in o.ToList())
                {
                    Collect(child, o, $"{path}.{key}", nodes);
                }

                break;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    Collect(a[i], a, $"{path}[{i}]", nodes);
                }

                break;
            default:
                break;
        }
    }

    private static void Replace(ref JsonNode? root, JsonNode? node, JsonNode? parent, JsonNode? value)
    {
        switch (parent)
        {
            case JsonObject o:
                o[KeyOf(o, node)] = value;
                break;
            case JsonArray a:
                a[IndexOf(a, node)] = value;
                break;
            default:
                root = value;
                break;
        }
    }

    // Children are found by reference: a null child (JSON null) is matched by position among the nulls, which is enough.
    private static string KeyOf(JsonObject o, JsonNode? node) => o.First(p => ReferenceEquals(p.Value, node)).Key;

    private static int IndexOf(JsonArray a, JsonNode? node)
    {
        for (var i = 0; i < a.Count; i++)
        {
            if (ReferenceEquals(a[i], node))
            {
                return i;
            }
        }

        throw new InvalidOperationException("node not in its parent");
    }

    private static string Flip(string key) => key.Length == 0 ? "X" : char.IsUpper(key[0]) ? char.ToLowerInvariant(key[0]) + key[1..] : char.ToUpperInvariant(key[0]) + key[1..];

    private static string Show(JsonNode? value) => value is null ? "null" : Clip(value.ToJsonString());

    private static string Clip(string text) => text.Length <= 60 ? text : $"{text[..60]}… ({text.Length} chars)";
}
