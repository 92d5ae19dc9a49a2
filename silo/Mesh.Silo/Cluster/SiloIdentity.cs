namespace Mesh.Silo;

/// <summary>Who this silo is in the membership table.</summary>
internal sealed record SiloIdentity(string Id, string Address, DateTimeOffset StartedAt);
