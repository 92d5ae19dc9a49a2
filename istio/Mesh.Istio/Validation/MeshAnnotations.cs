using System.Globalization;
using Mesh.Contracts.Resources;

namespace Mesh.Istio.Validation;

/// <summary>
/// Mesh's own DestinationRule annotations that change what is enforced or how endpoints are picked (token rate limits,
/// fallback, the endpoint picker's settings): a typo there must be a 400 naming the annotation, not a limit silently
/// switched off or a setting silently left at its default.
/// </summary>
internal static class MeshAnnotations
{
    public static void Check(MeshResource resource, ValidationContext context)
    {
        if (resource.Kind != ResourceKinds.DestinationRule || resource.Metadata?.Annotations is not { } annotations)
        {
            return;
        }

        Fallback(annotations, context);
        Picker(annotations, context);
        PerMinute(annotations, TokenLimitAnnotations.PromptTokensPerMinute, context);
        PerMinute(annotations, TokenLimitAnnotations.CompletionTokensPerMinute, context);
        if (annotations.TryGetValue(TokenLimitAnnotations.Key, out var key) && key is not null && key != TokenLimitAnnotations.PrincipalKey &&
            !(key.StartsWith(TokenLimitAnnotations.HeaderKeyPrefix, StringComparison.Ordinal) && IsHeaderName(key[TokenLimitAnnotations.HeaderKeyPrefix.Length..])))
        {
            context.Error($"metadata.annotations.{TokenLimitAnnotations.Key}", $"\"{key}\" must be \"principal\" or \"header:NAME\" with a valid HTTP header name");
        }
    }

    private static void Fallback(IReadOnlyDictionary<string, string> annotations, ValidationContext context)
    {
        if (!annotations.TryGetValue(FallbackAnnotation.Name, out var target) || target is null)
        {
            return;
        }

        if (!FallbackAnnotation.TryParse(target, out var host, out _) || !Dns1123.IsSubdomain(host))
        {
            context.Error($"metadata.annotations.{FallbackAnnotation.Name}", $"\"{target}\" must be a host name, optionally with :port (1-65535)");
        }
    }

    private static void Picker(IReadOnlyDictionary<string, string> annotations, ValidationContext context)
    {
        Setting(annotations, EndpointPickerAnnotations.PrefixBytes, t => EndpointPickerAnnotations.TryParsePrefixBytes(t, out _), "must be a whole number of bytes, at least 1", context);
        Setting(annotations, EndpointPickerAnnotations.LoadBound, t => EndpointPickerAnnotations.TryParseLoadBound(t, out _), "must be a decimal number, at least 1", context);
        Setting(annotations, EndpointPickerAnnotations.QueueSlack, t => EndpointPickerAnnotations.TryParseQueueSlack(t, out _), "must be a whole number of requests, 0 or more", context);
        Setting(annotations, EndpointPickerAnnotations.MetricsPath, EndpointPickerAnnotations.IsMetricsPath, "must be a path starting with /", context);
    }

    private static void Setting(IReadOnlyDictionary<string, string> annotations, string name, Func<string, bool> valid, string rule, ValidationContext context)
    {
        if (annotations.TryGetValue(name, out var text) && text is not null && !valid(text))
        {
            context.Error($"metadata.annotations.{name}", $"\"{text}\" {rule}");
        }
    }

    private static void PerMinute(IReadOnlyDictionary<string, string> annotations, string name, ValidationContext context)
    {
        if (annotations.TryGetValue(name, out var text) && text is not null &&
            !(long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and <= TokenLimitAnnotations.MaxTokensPerMinute))
        {
            context.Error($"metadata.annotations.{name}", $"\"{text}\" must be a whole number of tokens per minute, 1 to {TokenLimitAnnotations.MaxTokensPerMinute}");
        }
    }

    // RFC 9110 token characters.
    private static bool IsHeaderName(string name) =>
        name.Length is > 0 and <= 256 && name.All(c => char.IsAsciiLetterOrDigit(c) || "!#$%&'*+-.^_`|~".Contains(c, StringComparison.Ordinal));
}
