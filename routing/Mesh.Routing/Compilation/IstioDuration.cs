using System.Globalization;

namespace Mesh.Routing.Compilation;

/// <summary>
/// Parses durations the way Istio accepts them in YAML: Go-style sequences of a decimal number and a unit
/// (<c>1h</c>, <c>1m30s</c>, <c>250ms</c>, <c>1.5s</c>) as well as protobuf JSON seconds (<c>0.5s</c>).
/// </summary>
public static class IstioDuration
{
    /// <summary>Returns false for empty, negative or malformed input.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = TimeSpan.Zero;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (s == "0")
        {
            return true;
        }

        var i = 0;
        double totalTicks = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            double? ticksPerUnit = s.AsSpan(unitStart, i - unitStart) switch
            {
                "h" => TimeSpan.TicksPerHour,
                "m" => TimeSpan.TicksPerMinute,
                "s" => TimeSpan.TicksPerSecond,
                "ms" => TimeSpan.TicksPerMillisecond,
                "us" or "µs" => TimeSpan.TicksPerMicrosecond,
                "ns" => 0.01,
                _ => null,
            };
            if (ticksPerUnit is null)
            {
                return false;
            }

            totalTicks += number * ticksPerUnit.Value;
            if (totalTicks > TimeSpan.MaxValue.Ticks)
            {
                return false;
            }
        }

        value = TimeSpan.FromTicks((long)totalTicks);
        return true;
    }

    /// <summary>The parsed duration, or null when the text is absent or invalid.</summary>
    public static TimeSpan? ParseOrNull(string? text) => TryParse(text, out var value) ? value : null;
}
