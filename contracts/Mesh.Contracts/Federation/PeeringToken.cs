using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Mesh.Contracts.Json;

namespace Mesh.Contracts.Federation;

/// <summary>
/// A one-time peering token, as <c>meshctl peer create</c> prints it: base64url of this record's JSON. It tells the
/// joining cluster where the issuer's silos are and carries a secret only the issuer can check (it keeps a hash).
/// </summary>
public sealed record PeeringToken
{
    public const int Version = 1;

    public int V { get; set; } = Version;

    /// <summary>The issuing cluster's name.</summary>
    public string Cluster { get; set; } = "";

    public string TrustDomain { get; set; } = "";

    /// <summary>URLs of the issuer's silos (gRPC and REST share them).</summary>
    public IReadOnlyList<string> Addresses { get; set; } = [];

    /// <summary>The issuer's roots (PEM): an <c>https</c> silo of the issuer must present a certificate chaining to one.</summary>
    public IReadOnlyList<string> Roots { get; set; } = [];

    public string Id { get; set; } = "";

    public string Secret { get; set; } = "";

    public DateTimeOffset ExpiresAt { get; init; }

    public string Encode() => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(this, MeshJson.Options.TypeInfo<PeeringToken>()));

    /// <summary>Reads a token; null with the reason when it is not one.</summary>
    public static PeeringToken? TryDecode(string? text, out string? problem)
    {
        problem = null;
        if (string.IsNullOrWhiteSpace(text) || text.Length > 16 * 1024)
        {
            problem = "is empty or longer than 16 KB";
            return null;
        }

        try
        {
            var bytes = Base64Url.DecodeFromChars(text.Trim());
            var token = JsonSerializer.Deserialize(bytes, MeshJson.Options.TypeInfo<PeeringToken>());
            if (token is null || token.V != Version || token.Id.Length == 0 || token.Secret.Length == 0 || token.Cluster.Length == 0 || token.Addresses.Count == 0)
            {
                problem = "is not a Mesh peering token (fields missing or unknown version)";
                return null;
            }

            return token;
        }
        catch (Exception ex) when (ex is FormatException or JsonException or DecoderFallbackException or ArgumentException)
        {
            problem = "is not a Mesh peering token (not base64url JSON)";
            return null;
        }
    }
}
