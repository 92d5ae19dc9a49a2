using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mesh.Security.Jwt;

/// <summary>
/// Authenticates requests to one workload. No token in any location gives <see cref="JwtStatus.NoToken"/>; every token
/// present must be valid for a rule with the token's issuer that looks in the location it was found in.
/// </summary>
public sealed class WorkloadJwtAuthenticator
{
    private readonly IReadOnlyList<CompiledJwtRule> _rules;
    private readonly IJwksSource _jwks;
    private readonly TimeProvider _timeProvider;

    internal WorkloadJwtAuthenticator(IReadOnlyList<CompiledJwtRule> rules, IJwksSource jwks, TimeProvider timeProvider)
    {
        _rules = rules;
        _jwks = jwks;
        _timeProvider = timeProvider;
    }

    /// <summary>True when any rule applies; without rules every request is <see cref="JwtStatus.NoToken"/>.</summary>
    public bool HasRules => _rules.Count > 0;

    /// <summary>Finds and validates the request's token(s). Never throws for bad tokens or unreachable JWKS.</summary>
    public async ValueTask<JwtResult> AuthenticateAsync(TokenSources sources, CancellationToken cancellationToken)
    {
        var found = _rules.SelectMany(r => r.Find(sources).Select(f => (f.Token, f.Location, Rule: r))).ToList();
        if (found.Count == 0)
        {
            return JwtResult.NoToken;
        }

        JwtResult? accepted = null;
        foreach (var group in found.GroupBy(f => (f.Token, f.Location)))
        {
            var result = await ValidateAsync(group.Key.Token, group.Select(g => g.Rule).ToList(), cancellationToken);
            if (!result.IsValid)
            {
                return result;
            }

            accepted ??= result with { Location = group.Key.Location };
        }

        return accepted!;
    }

    private async ValueTask<JwtResult> ValidateAsync(string raw, List<CompiledJwtRule> rules, CancellationToken cancellationToken)
    {
        var token = TokenValidation.Read(raw, out var readError);
        if (token is null)
        {
            return JwtResult.Invalid(readError);
        }

        if (TokenValidation.CheckAlgorithm(token.Alg) is { } algError)
        {
            return JwtResult.Invalid(algError);
        }

        var issuer = Issuer(token);
        var rule = rules.FirstOrDefault(r => string.Equals(r.Rule.Issuer, issuer, StringComparison.Ordinal));
        if (rule is null)
        {
            return JwtResult.Invalid(issuer is null ? "token has no 'iss' claim" : "token issuer is not configured for this workload");
        }

        var kid = string.IsNullOrEmpty(token.Kid) ? null : token.Kid;
        var candidates = await CandidatesAsync(rule, kid, token.Alg, cancellationToken);
        if (candidates.Count == 0)
        {
            return JwtResult.Invalid(kid is null
                ? $"no key in the JWKS fits algorithm '{token.Alg}'"
                : $"no key in the JWKS matches the token's 'kid' and algorithm '{token.Alg}'");
        }

        return await TokenValidation.ValidateAsync(token, rule, candidates, _timeProvider);
    }

    private static string? Issuer(JsonWebToken token) =>
        token.TryGetPayloadValue<string>("iss", out var iss) && !string.IsNullOrEmpty(iss) ? iss : null;

    private async ValueTask<List<SecurityKey>> CandidatesAsync(CompiledJwtRule rule, string? kid, string alg, CancellationToken cancellationToken)
    {
        if (rule.InlineKeys is not null)
        {
            return SigningKeys.Candidates(rule.InlineKeys, kid, alg);
        }

        var uri = rule.Rule.JwksUri!;
        var candidates = SigningKeys.Candidates(await _jwks.GetAsync(uri, unknownKeyId: false, cancellationToken), kid, alg);
        if (candidates.Count == 0 && kid is not null)
        {
            // The issuer may have rotated keys since our last fetch.
            candidates = SigningKeys.Candidates(await _jwks.GetAsync(uri, unknownKeyId: true, cancellationToken), kid, alg);
        }

        return candidates;
    }
}
