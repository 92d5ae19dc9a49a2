namespace Mesh.Security.Ca;

/// <summary>
/// A CA credential could not be created, imported or decrypted. Messages name the problem and never contain
/// key material, so they are safe to log and to return as a 4xx body.
/// </summary>
public sealed class CaException : Exception
{
    public CaException(string message)
        : base(message)
    {
    }

    public CaException(string message, Exception inner)
        : base(message, inner)
    {
    }
}

/// <summary>
/// A certificate signing request was rejected (malformed PEM, bad signature, weak or unsupported key).
/// Callers map it to 400 Bad Request; the message names the fault.
/// </summary>
public sealed class InvalidCsrException : Exception
{
    public InvalidCsrException(string message)
        : base(message)
    {
    }

    public InvalidCsrException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
