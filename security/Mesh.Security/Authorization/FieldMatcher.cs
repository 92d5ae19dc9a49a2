using System.Net;

namespace Mesh.Security.Authorization;

/// <summary>
/// Builds a predicate for one attribute from a positive list (any must match) and a negative list (none may match).
/// An absent attribute never matches a positive list and always passes a negative one, as in Istio.
/// Invalid list items are reported to <paramref name="errors"/> with their field path.
/// </summary>
internal static class FieldMatcher
{
    public static Func<RequestContext, bool>? Strings(
        string field, IReadOnlyList<string>? values, IReadOnlyList<string>? notValues, bool ignoreCase,
        Func<RequestContext, string?> get, List<string> errors)
    {
        var positive = values?.Select((v, i) => Pattern(field, i, v, ignoreCase, errors)).ToArray() ?? [];
        var negative = notValues?.Select((v, i) => Pattern(NotField(field), i, v, ignoreCase, errors)).ToArray() ?? [];
        return Combine(positive, negative, get);
    }

    public static Func<RequestContext, bool>? MultiStrings(
        string field, IReadOnlyList<string>? values, IReadOnlyList<string>? notValues,
        Func<RequestContext, IReadOnlyList<string>> get, List<string> errors)
    {
        var positive = values?.Select((v, i) => Pattern(field, i, v, false, errors)).ToArray() ?? [];
        var negative = notValues?.Select((v, i) => Pattern(NotField(field), i, v, false, errors)).ToArray() ?? [];
        if (positive.Length == 0 && negative.Length == 0)
        {
            return null;
        }

        return ctx =>
        {
            var actual = get(ctx);
            return (positive.Length == 0 || actual.Any(a => positive.Any(p => p(a))))
                && (negative.Length == 0 || !actual.Any(a => negative.Any(p => p(a))));
        };
    }

    public static Func<RequestContext, bool>? Ips(
        string field, IReadOnlyList<string>? values, IReadOnlyList<string>? notValues,
        Func<RequestContext, IPAddress?> get, List<string> errors)
    {
        var positive = values?.Select((v, i) => Block(field, i, v, errors)).ToArray() ?? [];
        var negative = notValues?.Select((v, i) => Block(NotField(field), i, v, errors)).ToArray() ?? [];
        return Combine(positive, negative, get);
    }

    public static Func<RequestContext, bool>? Ports(
        string field, IReadOnlyList<string>? values, IReadOnlyList<string>? notValues, List<string> errors)
    {
        var positive = values?.Select((v, i) => Port(field, i, v, errors)).ToArray() ?? [];
        var negative = notValues?.Select((v, i) => Port(NotField(field), i, v, errors)).ToArray() ?? [];
        return Combine<string>(positive, negative, ctx => ctx.DestinationPort.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static Func<RequestContext, bool>? Combine<T>(Func<T, bool>[] positive, Func<T, bool>[] negative, Func<RequestContext, T?> get)
        where T : class
    {
        if (positive.Length == 0 && negative.Length == 0)
        {
            return null;
        }

        return ctx =>
        {
            var actual = get(ctx);
            if (positive.Length > 0 && (actual is null || !positive.Any(p => p(actual))))
            {
                return false;
            }

            return negative.Length == 0 || actual is null || !negative.Any(p => p(actual));
        };
    }

    private static string NotField(string field)
    {
        var dot = field.LastIndexOf('.') + 1;
        return field.EndsWith(".values", StringComparison.Ordinal)
            ? field[..dot] + "notValues"
            : field[..dot] + "not" + char.ToUpperInvariant(field[dot]) + field[(dot + 1)..];
    }

    private static Func<string, bool> Pattern(string field, int index, string value, bool ignoreCase, List<string> errors)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add($"{field}[{index}]: empty value");
        }
        else if (value.IndexOf('*', 1) is var star && star > 0 && star < value.Length - 1)
        {
            errors.Add($"{field}[{index}]: '{value}' may only use '*' at its start or end");
        }

        return StringPattern.Compile(value ?? "", ignoreCase);
    }

    private static Func<IPAddress, bool> Block(string field, int index, string value, List<string> errors)
    {
        if (!IpBlock.TryParse(value ?? "", out var block))
        {
            errors.Add($"{field}[{index}]: '{value}' is not an IP address or CIDR block");
            return static _ => false;
        }

        return block.Contains;
    }

    private static Func<string, bool> Port(string field, int index, string value, List<string> errors)
    {
        if (!int.TryParse(value, System.Globalization.NumberStyles.None, null, out var port) || port is < 0 or > 65535)
        {
            errors.Add($"{field}[{index}]: '{value}' is not a port number");
        }

        var canonical = port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return v => v == canonical;
    }
}
