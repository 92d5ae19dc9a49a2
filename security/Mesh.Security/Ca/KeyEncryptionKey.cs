using System.Security.Cryptography;

namespace Mesh.Security.Ca;

/// <summary>
/// The 256-bit key that encrypts the CA private key at rest. Load it from configuration, an environment variable or
/// a file (raw 32 bytes or base64). Never printed: <see cref="ToString"/> is redacted.
/// </summary>
public sealed class KeyEncryptionKey : IDisposable
{
    private readonly byte[] _key;

    private KeyEncryptionKey(byte[] key) => _key = key;

    internal ReadOnlySpan<byte> Bytes => _key;

    /// <summary>A new random key (for tests and first-time setup).</summary>
    public static KeyEncryptionKey Generate() => new(RandomNumberGenerator.GetBytes(32));

    public static KeyEncryptionKey FromBytes(ReadOnlySpan<byte> key) =>
        key.Length == 32 ? new(key.ToArray()) : throw new CaException($"The key-encryption key must be 32 bytes; got {key.Length}.");

    /// <summary>Parses base64 (standard or url-safe) of exactly 32 bytes.</summary>
    public static KeyEncryptionKey FromBase64(string base64)
    {
        var text = (base64 ?? "").Trim().Replace('-', '+').Replace('_', '/');
        text = text.PadRight(text.Length + ((4 - (text.Length % 4)) % 4), '=');
        var buffer = new byte[text.Length];
        return Convert.TryFromBase64String(text, buffer, out var written)
            ? FromBytes(buffer.AsSpan(0, written))
            : throw new CaException("The key-encryption key is not valid base64.");
    }

    /// <summary>Reads the key from an environment variable holding base64.</summary>
    public static KeyEncryptionKey FromEnvironment(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? FromBase64(value)
            : throw new CaException($"Environment variable {variable} with the key-encryption key is not set.");

    /// <summary>Reads the key from a file holding either exactly 32 raw bytes or base64 text.</summary>
    public static async Task<KeyEncryptionKey> FromFileAsync(string path, CancellationToken cancellationToken)
    {
        byte[] content;
        try
        {
            content = await File.ReadAllBytesAsync(path, cancellationToken);
        }
        catch (IOException ex)
        {
            throw new CaException($"The key-encryption key file '{path}' cannot be read: {ex.Message}");
        }
        catch (UnauthorizedAccessException)
        {
            throw new CaException($"The key-encryption key file '{path}' is not readable.");
        }

        return content.Length == 32 ? FromBytes(content) : FromBase64(System.Text.Encoding.ASCII.GetString(content));
    }

    /// <summary>
    /// AES-256-GCM under this key, bound to <paramref name="associatedData"/> (what the secret belongs to), as
    /// <c>v1.</c> + base64(nonce, tag, ciphertext).
    /// </summary>
    public string Seal(ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var output = new byte[NonceSize + TagSize + plaintext.Length];
        var nonce = output.AsSpan(0, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(NonceSize + TagSize), output.AsSpan(NonceSize, TagSize), associatedData);
        return SealVersion + Convert.ToBase64String(output);
    }

    /// <summary>The plaintext of <see cref="Seal"/>; throws <see cref="CaException"/> naming <paramref name="what"/> when it cannot be opened.</summary>
    public byte[] Open(string sealedText, ReadOnlySpan<byte> associatedData, string what)
    {
        if (sealedText is null || !sealedText.StartsWith(SealVersion, StringComparison.Ordinal))
        {
            throw new CaException($"The protected {what} has an unknown format (expected '{SealVersion}' prefix).");
        }

        byte[] data;
        try
        {
            data = Convert.FromBase64String(sealedText[SealVersion.Length..]);
        }
        catch (FormatException)
        {
            throw new CaException($"The protected {what} is not valid base64.");
        }

        if (data.Length <= NonceSize + TagSize)
        {
            throw new CaException($"The protected {what} is truncated.");
        }

        var plaintext = new byte[data.Length - NonceSize - TagSize];
        try
        {
            using var aes = new AesGcm(_key, TagSize);
            aes.Decrypt(data.AsSpan(0, NonceSize), data.AsSpan(NonceSize + TagSize), data.AsSpan(NonceSize, TagSize), plaintext, associatedData);
            return plaintext;
        }
        catch (AuthenticationTagMismatchException)
        {
            throw new CaException($"The {what} cannot be decrypted: wrong key-encryption key, or the data was altered.");
        }
    }

    private const string SealVersion = "v1.";
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public override string ToString() => "KeyEncryptionKey(redacted)";

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
