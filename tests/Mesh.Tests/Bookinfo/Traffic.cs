using System.Collections.Concurrent;

namespace Mesh.Tests.Bookinfo;

/// <summary>Bounded concurrent request batches through a sidecar, tallied by what came back.</summary>
internal static class Traffic
{
    private const int Concurrency = 8;

    /// <summary>Tally key: the body of a 2xx (the workload, e.g. <c>reviews-v2</c>), else the status code.</summary>
    public static async Task<Dictionary<string, int>> CountAsync(HttpClient client, string url, int requests, string? user = null, string? host = null)
    {
        var counts = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Math.Min(Concurrency, requests)).Select(async _ =>
        {
            while (Interlocked.Increment(ref next) < requests)
            {
                var key = await SendAsync(client, url, user, host);
                counts.AddOrUpdate(key, 1, (_, n) => n + 1);
            }
        }));
        return new Dictionary<string, int>(counts, StringComparer.Ordinal);
    }

    public static async Task<string> SendAsync(HttpClient client, string url, string? user = null, string? host = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        if (user is not null)
        {
            request.Headers.Add("end-user", user);
        }

        if (host is not null)
        {
            request.Headers.Host = host;
        }

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        return response.IsSuccessStatusCode ? body : ((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Describe(Dictionary<string, int> counts) => string.Join(", ", counts.OrderBy(c => c.Key, StringComparer.Ordinal).Select(c => $"{c.Key}={c.Value}"));
}
