using System.Net;
using System.Text;
using Mesh.Istio.Validation;
using Mesh.Routing.Compilation;
using Mesh.Routing.Model;
using Mesh.Security.Authorization;
using Mesh.Security.Identity;
using Mesh.Sidecar.Configuration;

namespace Mesh.Fuzz.Text;

/// <summary>
/// The small parsers of user strings, each line of the input through all of them: SPIFFE IDs, CIDR blocks
/// (AuthorizationPolicy ipBlocks), Istio durations, AuthorizationPolicy string patterns and user regexes. None of them
/// throws for bad input (they return false, or the validator reports a message); beyond that it checks that what one
/// layer accepts the next one can use.
/// </summary>
internal static class StringsTarget
{
    private const int MaxLines = 64;

    public static void Parse(byte[] input)
    {
        foreach (var line in Encoding.UTF8.GetString(input).Split('\n').Take(MaxLines))
        {
            Spiffe(line);
            Cidr(line);
            Duration(line);
            Pattern(line);
            UserRegex(line);
        }
    }

    private static void Spiffe(string text)
    {
        if (!SpiffeId.TryParse(text, out var id, out var error))
        {
            Require(error.Length > 0, "a refused SPIFFE ID has no reason");
            return;
        }

        // The CA writes the ID as a URI SAN (SvidIssuer), and peers parse it back from there.
        Require(SpiffeId.TryParse(id.ToString(), out var again) && again == id, $"SPIFFE ID '{id}' does not round-trip");
        Require(Uri.TryCreate(id.ToString(), UriKind.Absolute, out _), $"valid SPIFFE ID '{id}' is not a URI, so no SVID can carry it");
        _ = (id.Namespace, id.ServiceAccount, id.Principal);
    }

    private static void Cidr(string text)
    {
        if (IpBlock.TryParse(text, out var block))
        {
            _ = block.Contains(IPAddress.Loopback) | block.Contains(IPAddress.IPv6Loopback) | block.Contains(IPAddress.Parse("::ffff:10.1.2.3"));
        }
    }

    private static void Duration(string text)
    {
        if (IstioDuration.TryParse(text, out var value))
        {
            Require(value >= TimeSpan.Zero, $"duration '{text}' parsed as negative {value}");
        }
    }

    private static void Pattern(string text)
    {
        _ = StringPattern.Compile(text, ignoreCase: false)("fuzz") | StringPattern.Compile(text, ignoreCase: true)("");
    }

    private static void UserRegex(string text)
    {
        var context = new ValidationContext();
        context.Regex("regex", text);
        if (context.Messages.Count > 0)
        {
            return;
        }

        // Accepted by the validator, so every sidecar compiles it (anchored) when the configuration arrives.
        foreach (var ignoreCase in new[] { false, true })
        {
            StringMatcher matcher;
            try
            {
                matcher = new StringMatcher(new StringMatchConfig(StringMatchKind.Regex, text), ignoreCase);
            }
            catch (ArgumentException ex)
            {
                throw new FuzzPropertyException($"regex accepted by the validator fails in the sidecar: {ex.Message}");
            }

            _ = matcher.IsMatch("fuzz") | matcher.IsMatch(text);
        }
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new FuzzPropertyException(message);
        }
    }
}
