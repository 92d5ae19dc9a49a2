using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using Mesh.Security.Identity;

namespace Mesh.Security.JoinTokens;

/// <summary>
/// Creates and redeems bootstrap join tokens. A token is 32 random bytes (base64url); only its SHA-256 is stored, so a
/// leaked database does not leak usable tokens.
/// </summary>
public sealed class JoinTokenService
{
    private const int MaxTokenLength = 256;
    private readonly IJoinTokenStore _store;
    private readonly TimeProvider _timeProvider;

    public JoinTokenService(IJoinTokenStore store, TimeProvider timeProvider)
    {
        _store = store;
        _timeProvider = timeProvider;
    }

    /// <summary>Creates a token for a namespace and service account. Throws <see cref="ArgumentException"/> naming a bad field.</summary>
    public async Task<CreatedJoinToken> CreateAsync(string ns, string serviceAccount, TimeSpan lifetime, bool singleUse, CancellationToken cancellationToken)
    {
        if (!SpiffeId.TryCreateWorkload("x", ns, serviceAccount, out _, out var error))
        {
            throw new ArgumentException($"namespace/serviceAccount: {error}");
        }

        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentException("ttl: must be positive", nameof(lifetime));
        }

        var token = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        var now = _timeProvider.GetUtcNow();
        var record = new JoinTokenRecord
        {
            TokenHash = Hash(token),
            Namespace = ns,
            ServiceAccount = serviceAccount,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
            SingleUse = singleUse,
        };
        await _store.AddAsync(record, cancellationToken);
        return new CreatedJoinToken(token, record);
    }

    /// <summary>Checks a presented token; consumes it when single-use. Never throws for bad tokens.</summary>
    public async Task<JoinTokenValidation> RedeemAsync(string? token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || token.Length > MaxTokenLength)
        {
            return JoinTokenValidation.Invalid("join token is missing or malformed");
        }

        var hash = Hash(token);
        var record = await _store.FindAsync(hash, cancellationToken);
        if (record is null)
        {
            return JoinTokenValidation.Invalid("join token is unknown");
        }

        var now = _timeProvider.GetUtcNow();
        if (now >= record.ExpiresAt)
        {
            return JoinTokenValidation.Invalid("join token has expired");
        }

        if (record.SingleUse && !await _store.TryMarkUsedAsync(hash, now, cancellationToken))
        {
            return JoinTokenValidation.Invalid("join token was already used");
        }

        return JoinTokenValidation.Valid(record);
    }

    /// <summary>The stored form of a token: SHA-256, lowercase hex.</summary>
    public static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
