using System.Text.Json;

namespace Mesh.Istio.Validation;

/// <summary>
/// PeerAuthentication, AuthorizationPolicy and RequestAuthentication, checked on the raw JSON (the security layer owns
/// their typed models).
/// </summary>
internal static class SecurityValidator
{
    /// <summary>
    /// Istio source fields the mesh's authorization does not evaluate yet. Ignoring one would change who a policy lets in
    /// (an ALLOW rule would match everyone), so these are refused with that reason instead of accepted with a warning.
    /// </summary>
    private static readonly string[] UnenforcedSourceFields = ["serviceAccounts", "notServiceAccounts", "trustDomains", "notTrustDomains"];

    private static readonly string[] MtlsModes = ["UNSET", "DISABLE", "PERMISSIVE", "STRICT"];
    private static readonly string[] SourceFields = ["principals", "notPrincipals", "requestPrincipals", "notRequestPrincipals", "namespaces", "notNamespaces", "ipBlocks", "notIpBlocks", "remoteIpBlocks", "notRemoteIpBlocks", .. UnenforcedSourceFields];

    private static readonly string[] OperationFields = ["hosts", "notHosts", "ports", "notPorts", "methods", "notMethods", "paths", "notPaths"];

    public static void PeerAuthentication(JsonElement spec, bool strict, ValidationContext context)
    {
        var shape = new JsonShape(context, strict);
        if (!shape.Object(spec, "spec", "selector", "mtls", "portLevelMtls"))
        {
            return;
        }

        var hasSelector = Selector(shape, spec);
        if (spec.TryGetProperty("mtls", out var mtls) && shape.Object(mtls, "spec.mtls", "mode"))
        {
            shape.Enum(mtls, "mode", "spec.mtls.mode", MtlsModes);
        }

        if (spec.TryGetProperty("portLevelMtls", out var ports) && shape.Object(ports, "spec.portLevelMtls"))
        {
            if (!hasSelector)
            {
                context.Error("spec.portLevelMtls", "requires a workload selector");
            }

            foreach (var port in ports.EnumerateObject())
            {
                var path = $"spec.portLevelMtls.{port.Name}";
                if (!int.TryParse(port.Name, out var number) || number is < 1 or > 65535)
                {
                    context.Error(path, $"\"{port.Name}\" is not a port number 1..65535");
                }

                if (shape.Object(port.Value, path, "mode"))
                {
                    shape.Enum(port.Value, "mode", $"{path}.mode", MtlsModes);
                }
            }
        }
    }

    public static void AuthorizationPolicy(JsonElement spec, bool strict, ValidationContext context)
    {
        var shape = new JsonShape(context, strict);
        if (!shape.Object(spec, "spec", "selector", "targetRef", "targetRefs", "action", "provider", "rules"))
        {
            return;
        }

        Selector(shape, spec);
        var action = shape.Enum(spec, "action", "spec.action", "ALLOW", "DENY", "AUDIT", "CUSTOM") ?? "ALLOW";
        if (action == "CUSTOM" && !(spec.TryGetProperty("provider", out var provider) && provider.ValueKind == JsonValueKind.Object && provider.TryGetProperty("name", out _)))
        {
            context.Error("spec.provider.name", "is required for action CUSTOM");
        }

        if (!spec.TryGetProperty("rules", out var rules) || !shape.Array(rules, "spec.rules"))
        {
            if (action == "DENY")
            {
                context.Error("spec.rules", "a DENY policy needs at least one rule (without rules it would match nothing)");
            }

            return;
        }

        var r = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            Rule(shape, rule, $"spec.rules[{r++}]", context);
        }
    }

    private static void Rule(JsonShape shape, JsonElement rule, string path, ValidationContext context)
    {
        if (!shape.Object(rule, path, "from", "to", "when"))
        {
            return;
        }

        Clauses(shape, rule, "from", "source", SourceFields, path, context);
        Clauses(shape, rule, "to", "operation", OperationFields, path, context);
        if (rule.TryGetProperty("when", out var when) && shape.Array(when, $"{path}.when"))
        {
            var w = 0;
            foreach (var condition in when.EnumerateArray())
            {
                var conditionPath = $"{path}.when[{w++}]";
                if (!shape.Object(condition, conditionPath, "key", "values", "notValues"))
                {
                    continue;
                }

                shape.RequiredString(condition, "key", conditionPath);
                if (!condition.TryGetProperty("values", out _) && !condition.TryGetProperty("notValues", out _))
                {
                    context.Error(conditionPath, "one of values or notValues is required");
                }

                shape.StringList(condition, "values", conditionPath);
                shape.StringList(condition, "notValues", conditionPath);
            }
        }
    }

    private static void Clauses(JsonShape shape, JsonElement rule, string listName, string itemName, string[] fields, string path, ValidationContext context)
    {
        if (!rule.TryGetProperty(listName, out var list) || !shape.Array(list, $"{path}.{listName}"))
        {
            return;
        }

        var i = 0;
        foreach (var clause in list.EnumerateArray())
        {
            var clausePath = $"{path}.{listName}[{i++}]";
            if (!shape.Object(clause, clausePath, itemName))
            {
                continue;
            }

            if (!clause.TryGetProperty(itemName, out var item))
            {
                context.Error($"{clausePath}.{itemName}", "is required");
                continue;
            }

            if (!shape.Object(item, $"{clausePath}.{itemName}", fields))
            {
                continue;
            }

            if (!item.EnumerateObject().Any())
            {
                context.Error($"{clausePath}.{itemName}", "must set at least one field");
            }

            foreach (var field in fields)
            {
                shape.StringList(item, field, $"{clausePath}.{itemName}");
                if (UnenforcedSourceFields.Contains(field) && item.TryGetProperty(field, out _))
                {
                    context.Error($"{clausePath}.{itemName}.{field}", "valid Istio, but not enforced by the mesh's authorization yet; refused because ignoring it would change who the policy lets in");
                }
            }
        }
    }

    public static void RequestAuthentication(JsonElement spec, bool strict, ValidationContext context)
    {
        var shape = new JsonShape(context, strict);
        if (!shape.Object(spec, "spec", "selector", "targetRef", "targetRefs", "jwtRules"))
        {
            return;
        }

        Selector(shape, spec);
        if (!spec.TryGetProperty("jwtRules", out var rules) || !shape.Array(rules, "spec.jwtRules"))
        {
            return;
        }

        var i = 0;
        foreach (var rule in rules.EnumerateArray())
        {
            var path = $"spec.jwtRules[{i++}]";
            if (shape.Object(rule, path, "issuer", "audiences", "jwksUri", "jwks", "fromHeaders", "fromParams", "fromCookies", "outputPayloadToHeader",
                    "forwardOriginalToken", "outputClaimToHeaders", "timeout", "spaceDelimitedClaims"))
            {
                shape.StringList(rule, "spaceDelimitedClaims", path);
                if (rule.TryGetProperty("spaceDelimitedClaims", out _))
                {
                    // Not splitting makes a policy on such a claim match less, never more: safe to accept with a warning.
                    context.Warning(Schema.IstioFields.NotEnforced, $"{path}.spaceDelimitedClaims", "accepted, not enforced yet: claims are not split on spaces yet");
                }

                shape.RequiredString(rule, "issuer", path);
                shape.StringList(rule, "audiences", path);
                if (rule.TryGetProperty("jwksUri", out var uri) && (uri.ValueKind != JsonValueKind.String || !Uri.TryCreate(uri.GetString(), UriKind.Absolute, out _)))
                {
                    context.Error($"{path}.jwksUri", "must be an absolute URL");
                }
            }
        }
    }

    /// <summary>True when a non-empty selector.matchLabels is present.</summary>
    private static bool Selector(JsonShape shape, JsonElement spec)
    {
        if (!spec.TryGetProperty("selector", out var selector) || !shape.Object(selector, "spec.selector", "matchLabels"))
        {
            return false;
        }

        if (!selector.TryGetProperty("matchLabels", out var labels) || !shape.Object(labels, "spec.selector.matchLabels"))
        {
            return false;
        }

        foreach (var label in labels.EnumerateObject())
        {
            if (label.Value.ValueKind != JsonValueKind.String)
            {
                shape.Context.Error($"spec.selector.matchLabels.{label.Name}", "must be a string");
            }
        }

        return labels.EnumerateObject().Any();
    }
}
