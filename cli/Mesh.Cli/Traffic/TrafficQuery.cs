using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Mesh.Cli.Client;
using Mesh.Cli.Commands;
using Mesh.Contracts.Json;
using Mesh.Contracts.Traffic;

namespace Mesh.Cli.Traffic;

/// <summary>What <c>meshctl stat</c> and <c>meshctl top</c> share: the window option, the graph request and the number formats.</summary>
internal static class TrafficQuery
{
    public static Option<int> WindowOption() => new("--window", "-w")
    {
        Description = "Seconds of recent traffic to summarize (1..300)",
        DefaultValueFactory = _ => 60,
    };

    public static async Task<TrafficGraph> GraphAsync(SiloClient client, string? ns, int window, CancellationToken cancellationToken)
    {
        if (window is < 1 or > 300)
        {
            throw new CliException(ExitCodes.Usage, $"--window {window} must be 1..300 seconds");
        }

        var path = $"/api/v1/traffic/graph?window={window}" + (ns is null ? "" : "&namespace=" + Uri.EscapeDataString(ns));
        return await client.GetAsync<TrafficGraph>(path, cancellationToken);
    }

    public static JsonElement ToJson<T>(T value) => JsonSerializer.SerializeToElement(value, MeshJson.Options);

    /// <summary>Linkerd's style: 99.50%, or "-" when nothing was counted.</summary>
    public static string Success(TrafficRates rates) =>
        rates.RequestsPerSecond == 0 ? "-" : ((1 - rates.ErrorRate) * 100).ToString("0.00", CultureInfo.InvariantCulture) + "%";

    public static string Rps(double rps) => rps.ToString("0.0#", CultureInfo.InvariantCulture) + "rps";

    public static string Latency(double? milliseconds) =>
        milliseconds is { } ms ? (ms < 10 ? ms.ToString("0.#", CultureInfo.InvariantCulture) : Math.Round(ms).ToString(CultureInfo.InvariantCulture)) + "ms" : "-";

    public static string Share(double? share) =>
        share is { } s ? Math.Round(s * 100).ToString(CultureInfo.InvariantCulture) + "%" : "-";
}
