using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Mesh.Routing.Model;

namespace Mesh.Sidecar.Configuration;

/// <summary>
/// A compiled Istio StringMatch. Regexes are RE2-style full matches, compiled once per pattern with
/// NonBacktracking (user input: no ReDoS) and cached across configuration swaps.
/// </summary>
internal sealed class StringMatcher
{
    private static readonly ConcurrentDictionary<(string, bool), Regex> RegexCache = new();
    private readonly StringMatchKind _kind;
    private readonly string _value;
    private readonly StringComparison _comparison;
    private readonly Regex? _regex;

    public StringMatcher(StringMatchConfig config, bool ignoreCase)
    {
        _kind = config.Kind;
        _value = config.Value;
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        if (_kind == StringMatchKind.Regex)
        {
            _regex = Compile(config.Value, ignoreCase);
        }
    }

    public StringMatchKind Kind => _kind;

    public string Value => _value;

    public bool IsMatch(ReadOnlySpan<char> input) => _kind switch
    {
        StringMatchKind.Exact => input.Equals(_value, _comparison),
        StringMatchKind.Prefix => input.StartsWith(_value, _comparison),
        _ => _regex!.IsMatch(input),
    };

    /// <summary>Compiles a user regex; throws <see cref="ArgumentException"/> naming the pattern when it is invalid.</summary>
    public static Regex Compile(string pattern, bool ignoreCase) =>
        RegexCache.GetOrAdd((pattern, ignoreCase), static key =>
        {
            var options = RegexOptions.NonBacktracking | RegexOptions.CultureInvariant | (key.Item2 ? RegexOptions.IgnoreCase : RegexOptions.None);
            try
            {
                return new Regex($"^(?:{key.Item1})$", options, TimeSpan.FromSeconds(1));
            }
            catch (ArgumentException ex)
            {
                throw new ArgumentException($"regex '{key.Item1}' is invalid: {ex.Message}", ex);
            }
        });
}
