namespace Mesh.Contracts.Cluster;

/// <summary>
/// One health-check shard as the admin API shows it. <see cref="Owner"/> is null when the shard is free or its
/// lease expired; <see cref="Endpoints"/> counts the endpoints hashed to it that have a health check.
/// </summary>
public sealed record ShardView(int Shard, string? Owner, long FencingToken, DateTimeOffset ExpiresAt, int Endpoints);
