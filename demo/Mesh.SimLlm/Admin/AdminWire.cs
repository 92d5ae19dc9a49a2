using System.Text.Json.Serialization;
using Mesh.SimLlm.Engine;

namespace Mesh.SimLlm.Admin;

/// <summary>The failure switch as <c>GET/POST /admin/failure</c> show it.</summary>
internal sealed record FailureState(string Mode, int RetryAfterSeconds, double Probability);

/// <summary><c>GET /admin/stats</c>: the engine's totals and its live state.</summary>
internal sealed record AdminStats(
    StatsSnapshot Totals,
    int Running,
    int Waiting,
    long KvBlocksInUse,
    int KvCacheBlocks,
    double KvCacheUsage,
    int PrefixCacheBlocks);

internal sealed record AdminError(string Error);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(FailureState))]
[JsonSerializable(typeof(AdminStats))]
[JsonSerializable(typeof(AdminError))]
internal sealed partial class AdminJsonContext : JsonSerializerContext;
