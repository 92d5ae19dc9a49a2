namespace Mesh.Security.Ca;

/// <summary>Key type of a generated root CA.</summary>
public enum CaKeyAlgorithm
{
    EcdsaP256,
    EcdsaP384,
    Rsa2048,
    Rsa3072,
    Rsa4096,
}
