using System.Globalization;
using System.Text;

namespace Mesh.Telemetry;

/// <summary>A canonical (sorted, escaped) rendering of one measurement's tags; equal tags give equal sets.</summary>
internal readonly record struct LabelSet(string Text)
{
    public static LabelSet From(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (tags.Length == 0)
        {
            return new LabelSet("");
        }

        var pairs = tags.ToArray();
        Array.Sort(pairs, static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        var text = new StringBuilder();
        foreach (var (key, value) in pairs)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(PrometheusExporter.SanitizeName(key)).Append("=\"");
            Escape(text, Convert.ToString(value, CultureInfo.InvariantCulture) ?? "");
            text.Append('"');
        }

        return new LabelSet(text.ToString());
    }

    public string Braced() => Text.Length == 0 ? "" : "{" + Text + "}";

    public string BracedWith(string name, string value) =>
        "{" + Text + (Text.Length == 0 ? "" : ",") + name + "=\"" + value + "\"}";

    private static void Escape(StringBuilder text, string value)
    {
        foreach (var c in value)
        {
            _ = c switch
            {
                '\\' => text.Append(@"\\"),
                '"' => text.Append("\\\""),
                '\n' => text.Append(@"\n"),
                _ => text.Append(c),
            };
        }
    }
}
