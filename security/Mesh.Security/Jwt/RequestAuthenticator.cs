using Mesh.Contracts.Istio.Security;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Security.Jwt;

/// <summary>
/// Compiles RequestAuthentication resources and selects them per workload with Istio's rules (same namespace or the
/// root namespace, and a matching selector). Build once per configuration change.
/// </summary>
public sealed class RequestAuthenticator
{
    private readonly IReadOnlyList<(PolicyEntry<RequestAuthenticationSpec> Entry, IReadOnlyList<CompiledJwtRule> Rules)> _policies;
    private readonly IJwksSource _jwks;
    private readonly TimeProvider _timeProvider;
    private readonly string _rootNamespace;

    private RequestAuthenticator(
        IReadOnlyList<(PolicyEntry<RequestAuthenticationSpec>, IReadOnlyList<CompiledJwtRule>)> policies, IJwksSource jwks, TimeProvider timeProvider, string rootNamespace)
    {
        _policies = policies;
        _jwks = jwks;
        _timeProvider = timeProvider;
        _rootNamespace = rootNamespace;
    }

    /// <summary>Compiles all entries; throws <see cref="PolicyValidationException"/> for the first invalid one.</summary>
    public static RequestAuthenticator Create(
        IEnumerable<PolicyEntry<RequestAuthenticationSpec>> entries, IJwksSource jwks, TimeProvider timeProvider, string rootNamespace = Authorization.AuthorizationEvaluator.DefaultRootNamespace)
    {
        var compiled = new List<(PolicyEntry<RequestAuthenticationSpec>, IReadOnlyList<CompiledJwtRule>)>();
        foreach (var entry in entries)
        {
            var errors = new List<string>();
            var rules = Compile(entry.Spec, errors);
            if (errors.Count > 0)
            {
                throw new PolicyValidationException("RequestAuthentication", entry.Key, errors);
            }

            compiled.Add((entry, rules));
        }

        return new RequestAuthenticator(compiled, jwks, timeProvider, rootNamespace);
    }

    /// <summary>Validates one spec; an empty list means valid. For 400 responses at write time.</summary>
    public static IReadOnlyList<string> Validate(RequestAuthenticationSpec spec)
    {
        var errors = new List<string>();
        Compile(spec, errors);
        return errors;
    }

    /// <summary>The JWT rules that apply to one workload.</summary>
    public WorkloadJwtAuthenticator ForWorkload(string workloadNamespace, IReadOnlyDictionary<string, string>? workloadLabels) =>
        new(
            [.. _policies
                .Where(p => p.Entry.AppliesTo(p.Entry.Spec.Selector, workloadNamespace, workloadLabels, _rootNamespace))
                .SelectMany(p => p.Rules)],
            _jwks,
            _timeProvider);

    private static List<CompiledJwtRule> Compile(RequestAuthenticationSpec spec, List<string> errors)
    {
        var rules = new List<CompiledJwtRule>();
        var specRules = spec.JwtRules ?? [];
        for (var i = 0; i < specRules.Count; i++)
        {
            var rule = specRules[i];
            var field = $"jwtRules[{i}]";
            if (rule is null || string.IsNullOrWhiteSpace(rule.Issuer))
            {
                errors.Add($"{field}.issuer: is required");
                continue;
            }

            JsonWebKeySet? inline = null;
            if (!string.IsNullOrEmpty(rule.Jwks))
            {
                try
                {
                    inline = SigningKeys.Parse(rule.Jwks);
                }
                catch (FormatException ex)
                {
                    errors.Add($"{field}.jwks: {ex.Message}");
                }
            }
            else if (!Uri.TryCreate(rule.JwksUri, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
            {
                errors.Add($"{field}.jwksUri: '{rule.JwksUri}' must be an absolute http(s) URL (or set jwks)");
            }

            var headers = rule.FromHeaders ?? [];
            for (var h = 0; h < headers.Count; h++)
            {
                if (string.IsNullOrWhiteSpace(headers[h]?.Name))
                {
                    errors.Add($"{field}.fromHeaders[{h}].name: is required");
                }
            }

            rules.Add(new CompiledJwtRule(rule, inline));
        }

        return rules;
    }
}
