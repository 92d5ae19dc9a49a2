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

    public override string ToString() => "KeyEncryptionKey(redacted)";

    public void Dispose() => CryptographicOperations.ZeroMemory(_key);
}
