namespace Mesh.Tests.Dashboard;

/// <summary>What a paced run sent to one URL and how it was answered: the ground truth a traffic view is checked against.</summary>
internal sealed record TrafficTally(string Url, int Sent, IReadOnlyDictionary<int, int> Statuses)
{
    public int Answered => Statuses.Values.Sum();

    public int Count(int status) => Statuses.GetValueOrDefault(status);

    /// <summary>Runs to the same URL taken together.</summary>
    public static TrafficTally Sum(IReadOnlyList<TrafficTally> tallies) => new(
        tallies[0].Url,
        tallies.Sum(t => t.Sent),
        tallies.SelectMany(t => t.Statuses).GroupBy(s => s.Key).ToDictionary(g => g.Key, g => g.Sum(s => s.Value)));

    public override string ToString() =>
        $"{Url}: {Sent} sent, {Answered} answered ({string.Join(", ", Statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}: {s.Value}"))})";
}

/// <summary>
/// Steady GETs to one URL through a client (a sidecar's outbound port), one at a time at a fixed pace, bounded both
/// in time and in requests so a slow machine cannot turn it into an endless or unbounded run.
/// </summary>
internal static class PacedTraffic
{
    public static async Task<TrafficTally> RunAsync(HttpClient client, string url, TimeSpan period, TimeSpan duration, int maxRequests)
    {
        var statuses = new Dictionary<int, int>();
        var sent = 0;
        using var pace = new PeriodicTimer(period);
        var end = DateTime.UtcNow + duration;
        while (sent < maxRequests && DateTime.UtcNow < end)
        {
            sent++;
            try
            {
                using var response = await client.GetAsync(url);
                var status = (int)response.StatusCode;
                statuses[status] = statuses.GetValueOrDefault(status) + 1;
            }
            catch (HttpRequestException)
            {
                // Sent but not answered: the tally shows it as the gap between Sent and Answered.
            }

            // The timer keeps the pace; a request slower than the period is followed by the next one at once.
            await pace.WaitForNextTickAsync();
        }

        return new TrafficTally(url, sent, statuses);
    }
}
