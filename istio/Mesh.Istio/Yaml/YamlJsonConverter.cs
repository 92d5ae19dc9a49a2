using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Mesh.Istio.Yaml;

/// <summary>
/// Turns a YAML node tree into JSON with YAML 1.2 core-schema typing: plain scalars that look like numbers, booleans
/// or null become those; quoted and block scalars stay strings. Number text is kept verbatim (<c>100.0</c> stays
/// <c>100.0</c>). Label and annotation values are always strings, as in Kubernetes.
/// </summary>
internal static partial class YamlJsonConverter
{
    public static void Write(Utf8JsonWriter writer, YamlNode node, bool forceStrings = false, string? parentKey = null, int depth = 0)
    {
        if (depth > 64)
        {
            throw new YamlException(node.Start, node.End, "document nests deeper than 64 levels");
        }

        switch (node)
        {
            case YamlMappingNode mapping:
                writer.WriteStartObject();
                foreach (var (keyNode, valueNode) in mapping.Children)
                {
                    var key = keyNode is YamlScalarNode scalarKey ? scalarKey.Value ?? "" : throw new YamlException(keyNode.Start, keyNode.End, "mapping keys must be scalars");
                    writer.WritePropertyName(key);
                    var strings = forceStrings || (parentKey == "metadata" && key is "labels" or "annotations");
                    Write(writer, valueNode, strings, key, depth + 1);
                }

                writer.WriteEndObject();
                break;
            case YamlSequenceNode sequence:
                writer.WriteStartArray();
                foreach (var item in sequence.Children)
                {
                    Write(writer, item, forceStrings, null, depth + 1);
                }

                writer.WriteEndArray();
                break;
            case YamlScalarNode scalar:
                WriteScalar(writer, scalar, forceStrings);
                break;
            default:
                throw new YamlException(node.Start, node.End, "unsupported YAML node");
        }
    }

    private static void WriteScalar(Utf8JsonWriter writer, YamlScalarNode scalar, bool forceStrings)
    {
        var value = scalar.Value ?? "";
        if (forceStrings || scalar.Style is not (ScalarStyle.Plain or ScalarStyle.Any))
        {
            writer.WriteStringValue(value);
            return;
        }

        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                writer.WriteNullValue();
                return;
            case "true" or "True" or "TRUE":
                writer.WriteBooleanValue(true);
                return;
            case "false" or "False" or "FALSE":
                writer.WriteBooleanValue(false);
                return;
        }

        if (JsonNumber().IsMatch(value))
        {
            writer.WriteRawValue(value);
        }
        else if (YamlOnlyNumber().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            writer.WriteNumberValue(number);
        }
        else
        {
            writer.WriteStringValue(value);
        }
    }

    [GeneratedRegex(@"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$")]
    private static partial Regex JsonNumber();

    /// <summary>YAML 1.2 numbers that are not JSON numbers: <c>+1</c>, <c>.5</c>, <c>1.</c>.</summary>
    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex YamlOnlyNumber();
}
