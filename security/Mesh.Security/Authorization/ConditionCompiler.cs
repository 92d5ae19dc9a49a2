using System.Text.Json;
using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Authorization;

/// <summary>Compiles Istio <c>when</c> conditions. Unknown keys are errors, as Istio rejects them too.</summary>
internal static class ConditionCompiler
{
    private const string HeaderKey = "request.headers[";
    private const string ClaimKey = "request.auth.claims[";

    public static Func<RequestContext, bool> Compile(RuleCondition condition, string field, List<string> errors)
    {
        var key = condition.Key ?? "";
        if ((condition.Values?.Count ?? 0) == 0 && (condition.NotValues?.Count ?? 0) == 0)
        {
            errors.Add($"{field}: key '{key}' needs values or notValues");
        }

        var values = field + ".values";
        var predicate = key switch
        {
            "source.ip" => FieldMatcher.Ips(values, condition.Values, condition.NotValues, c => c.SourceIp, errors),
            "remote.ip" => FieldMatcher.Ips(values, condition.Values, condition.NotValues, c => c.RemoteIp ?? c.SourceIp, errors),
            "destination.ip" => FieldMatcher.Ips(values, condition.Values, condition.NotValues, c => c.DestinationIp, errors),
            "destination.port" => FieldMatcher.Ports(values, condition.Values, condition.NotValues, errors),
            "source.namespace" => FieldMatcher.Strings(values, condition.Values, condition.NotValues, false, c => c.EffectiveNamespace, errors),
            "source.principal" => FieldMatcher.Strings(values, condition.Values, condition.NotValues, false, c => c.Principal, errors),
            "request.auth.principal" => FieldMatcher.Strings(values, condition.Values, condition.NotValues, false, c => c.RequestPrincipal, errors),
            "request.auth.audiences" => FieldMatcher.MultiStrings(values, condition.Values, condition.NotValues, c => Claim(c, ["aud"]), errors),
            "request.auth.presenter" => FieldMatcher.Strings(values, condition.Values, condition.NotValues, false, c => Claim(c, ["azp"]) is [var azp, ..] ? azp : null, errors),
            "connection.sni" => FieldMatcher.Strings(values, condition.Values, condition.NotValues, true, c => c.Sni, errors),
            _ when TryBracketed(key, HeaderKey, out var names) && names.Count == 1 =>
                FieldMatcher.Strings(values, condition.Values, condition.NotValues, false, c => c.Header(names[0]), errors),
            _ when TryBracketed(key, ClaimKey, out var path) =>
                FieldMatcher.MultiStrings(values, condition.Values, condition.NotValues, c => Claim(c, path), errors),
            _ => Unknown(field, key, errors),
        };
        return predicate ?? (static _ => true);
    }

    private static Func<RequestContext, bool>? Unknown(string field, string key, List<string> errors)
    {
        errors.Add($"{field}.key: unsupported condition key '{key}'");
        return null;
    }

    /// <summary>Parses <c>prefix[a][b]...</c> into its bracketed names.</summary>
    private static bool TryBracketed(string key, string prefix, out List<string> names)
    {
        names = [];
        if (!key.StartsWith(prefix, StringComparison.Ordinal) || !key.EndsWith(']'))
        {
            return false;
        }

        var inner = key[prefix.Length..^1];
        foreach (var part in inner.Split("]["))
        {
            if (part.Length == 0 || part.Contains('[') || part.Contains(']'))
            {
                return false;
            }

            names.Add(part);
        }

        return true;
    }

    /// <summary>Values of a (nested) claim: a string, or each string of an array; numbers and booleans as text.</summary>
    internal static IReadOnlyList<string> Claim(RequestContext context, IReadOnlyList<string> path)
    {
        if (context.Claims is not { ValueKind: JsonValueKind.Object } current)
        {
            return [];
        }

        foreach (var name in path)
        {
            if (current.ValueKind != JsonValueKind.Object || !current.TryGetProperty(name, out current))
            {
                return [];
            }
        }

        return current.ValueKind switch
        {
            JsonValueKind.Array => current.EnumerateArray().Select(Scalar).OfType<string>().ToList(),
            _ => Scalar(current) is { } single ? [single] : [],
        };
    }

    private static string? Scalar(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.GetRawText(),
        JsonValueKind.True => "true",
        JsonValueKind.False => "false",
        _ => null,
    };
}
