using System.Globalization;

namespace Mesh.Contracts.Resources;

/// <summary>
/// The DestinationRule annotations that select and tune Mesh's endpoint picker for model servers (docs/ai-traffic.md,
/// "Endpoint picking"): read by the routing compiler, checked by the validator, both through the parsers here.
/// </summary>
public static class EndpointPickerAnnotations
{
    public const string Picker = "inference.mesh.dev/endpoint-picker";
    public const string PrefixAware = "prefix-aware";
    public const string PrefixBytes = "inference.mesh.dev/prefix-bytes";
    public const string LoadBound = "inference.mesh.dev/load-bound";
    public const string QueueSlack = "inference.mesh.dev/queue-slack";
    public const string MetricsPath = "inference.mesh.dev/metrics-path";

    /// <summary>A whole number of bytes, at least 1.</summary>
    public static bool TryParsePrefixBytes(string text, out int bytes) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out bytes) && bytes > 0;

    /// <summary>The c of consistent hashing with bounded loads: a decimal number, at least 1.</summary>
    public static bool TryParseLoadBound(string text, out double bound) =>
        double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out bound) && bound >= 1 && double.IsFinite(bound);

    /// <summary>A whole number of queued requests, 0 or more.</summary>
    public static bool TryParseQueueSlack(string text, out int slack) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out slack);

    /// <summary>An absolute path on the model server.</summary>
    public static bool IsMetricsPath(string text) => text.StartsWith('/');
}
