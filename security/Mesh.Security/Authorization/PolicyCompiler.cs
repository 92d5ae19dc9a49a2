using Mesh.Contracts.Istio.Security;

namespace Mesh.Security.Authorization;

/// <summary>A policy reduced to predicates: a rule matches when all of its from/to/when parts match.</summary>
internal sealed record CompiledPolicy(PolicyEntry<AuthorizationPolicySpec> Entry, IReadOnlyList<Func<RequestContext, bool>> Rules)
{
    public bool Matches(RequestContext context)
    {
        foreach (var rule in Rules)
        {
            if (rule(context))
            {
                return true;
            }
        }

        return false;
    }
}

internal static class PolicyCompiler
{
    public static CompiledPolicy Compile(PolicyEntry<AuthorizationPolicySpec> entry, List<string> errors)
    {
        var rules = new List<Func<RequestContext, bool>>();
        var specRules = entry.Spec.Rules ?? [];
        for (var i = 0; i < specRules.Count; i++)
        {
            rules.Add(CompileRule(specRules[i] ?? new AuthorizationRule(), $"rules[{i}]", errors));
        }

        return new CompiledPolicy(entry, rules);
    }

    private static Func<RequestContext, bool> CompileRule(AuthorizationRule rule, string field, List<string> errors)
    {
        var from = (rule.From ?? []).Select((f, i) => Source(f?.Source, $"{field}.from[{i}].source", errors)).ToArray();
        var to = (rule.To ?? []).Select((t, i) => Operation(t?.Operation, $"{field}.to[{i}].operation", errors)).ToArray();
        var when = (rule.When ?? []).Select((c, i) => ConditionCompiler.Compile(c ?? new RuleCondition(), $"{field}.when[{i}]", errors)).ToArray();
        return ctx => (from.Length == 0 || from.Any(f => f(ctx)))
            && (to.Length == 0 || to.Any(t => t(ctx)))
            && when.All(w => w(ctx));
    }

    private static Func<RequestContext, bool> Source(RuleSource? s, string field, List<string> errors)
    {
        if (s is null)
        {
            errors.Add($"{field}: source is required");
            return static _ => true;
        }

        return All(
            FieldMatcher.Strings($"{field}.principals", s.Principals, s.NotPrincipals, false, c => c.Principal, errors),
            FieldMatcher.Strings($"{field}.requestPrincipals", s.RequestPrincipals, s.NotRequestPrincipals, false, c => c.RequestPrincipal, errors),
            FieldMatcher.Strings($"{field}.namespaces", s.Namespaces, s.NotNamespaces, false, c => c.EffectiveNamespace, errors),
            FieldMatcher.Ips($"{field}.ipBlocks", s.IpBlocks, s.NotIpBlocks, c => c.SourceIp, errors),
            FieldMatcher.Ips($"{field}.remoteIpBlocks", s.RemoteIpBlocks, s.NotRemoteIpBlocks, c => c.RemoteIp ?? c.SourceIp, errors));
    }

    private static Func<RequestContext, bool> Operation(RuleOperation? o, string field, List<string> errors)
    {
        if (o is null)
        {
            errors.Add($"{field}: operation is required");
            return static _ => true;
        }

        return All(
            Hosts(field, o, errors),
            FieldMatcher.Ports($"{field}.ports", o.Ports, o.NotPorts, errors),
            FieldMatcher.Strings($"{field}.methods", o.Methods, o.NotMethods, false, c => c.Method, errors),
            FieldMatcher.Strings($"{field}.paths", o.Paths, o.NotPaths, false, c => PathOnly(c.Path), errors));
    }

    private static Func<RequestContext, bool>? Hosts(string field, RuleOperation o, List<string> errors)
    {
        // "example.com" also matches an authority of "example.com:8080": a positive entry may match either form,
        // a negative entry excludes the request if it matches either form.
        var positive = FieldMatcher.Strings($"{field}.hosts", o.Hosts, null, true, c => c.Host, errors);
        var positiveBare = FieldMatcher.Strings($"{field}.hosts", o.Hosts, null, true, c => StripPort(c.Host), []);
        var negative = FieldMatcher.Strings($"{field}.hosts", null, o.NotHosts, true, c => c.Host, errors);
        var negativeBare = FieldMatcher.Strings($"{field}.hosts", null, o.NotHosts, true, c => StripPort(c.Host), []);
        if (positive is null && negative is null)
        {
            return null;
        }

        return ctx => (positive is null || positive(ctx) || positiveBare!(ctx)) && (negative is null || (negative(ctx) && negativeBare!(ctx)));
    }

    private static Func<RequestContext, bool> All(params Func<RequestContext, bool>?[] parts)
    {
        var present = parts.OfType<Func<RequestContext, bool>>().ToArray();
        return ctx =>
        {
            foreach (var p in present)
            {
                if (!p(ctx))
                {
                    return false;
                }
            }

            return true;
        };
    }

    private static string PathOnly(string path)
    {
        var q = path.IndexOfAny(['?', '#']);
        return q < 0 ? path : path[..q];
    }

    private static string? StripPort(string? host)
    {
        if (host is null)
        {
            return null;
        }

        var colon = host.LastIndexOf(':');
        return colon > 0 && host.IndexOf(']', colon) < 0 && host.AsSpan(colon + 1).IndexOfAnyExceptInRange('0', '9') < 0
            ? host[..colon]
            : host;
    }
}
