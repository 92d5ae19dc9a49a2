using System.Diagnostics;
using System.Text;

namespace Mesh.Bench.Ai;

/// <summary>Where one request goes: the client to send it with and the address, and what to do when it is over.</summary>
internal sealed record Dispatch(HttpClient Client, Uri Address, Action? Done = null);

/// <summary>One request's outcome as the client saw it.</summary>
internal readonly record struct Outcome(bool Ok, double TtftMs, int OutputTokens);

/// <summary>Sends a phase's planned requests on time (open loop: a slow server does not slow the arrivals) and measures each.</summary>
internal static class PhaseRunner
{
    public static async Task<(List<Outcome> Outcomes, TimeSpan Elapsed)> RunAsync(IReadOnlyList<PlannedRequest> plan, Func<PlannedRequest, Dispatch> route, TimeSpan requestTimeout)
    {
        var started = Stopwatch.GetTimestamp();
        var running = new List<Task<Outcome>>(plan.Count);
        foreach (var request in plan)
        {
            var wait = request.At - Stopwatch.GetElapsedTime(started);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait);
            }

            running.Add(SendAsync(request, route(request), requestTimeout));
        }

        var outcomes = await Task.WhenAll(running);
        return (outcomes.ToList(), Stopwatch.GetElapsedTime(started));
    }

    private static async Task<Outcome> SendAsync(PlannedRequest request, Dispatch dispatch, TimeSpan timeout)
    {
        await Task.Yield();
        var sent = Stopwatch.GetTimestamp();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, dispatch.Address) { Content = new StringContent(request.Body, Encoding.UTF8, "application/json") };
            using var response = await dispatch.Client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            if (!response.IsSuccessStatusCode)
            {
                return new Outcome(false, 0, 0);
            }

            using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
            double ttft = -1;
            var tokens = 0;
            while (await reader.ReadLineAsync(cancel.Token) is { } line)
            {
                if (!line.StartsWith("data:", StringComparison.Ordinal))
                {
                    continue;
                }

                if (ttft < 0)
                {
                    ttft = Stopwatch.GetElapsedTime(sent).TotalMilliseconds;
                }

                var usage = line.IndexOf("\"completion_tokens\":", StringComparison.Ordinal);
                if (usage >= 0)
                {
                    var digits = line.AsSpan(usage + "\"completion_tokens\":".Length);
                    var end = digits.IndexOfAnyExceptInRange('0', '9');
                    tokens = int.Parse(end < 0 ? digits : digits[..end], System.Globalization.CultureInfo.InvariantCulture);
                }
            }

            return new Outcome(ttft >= 0, ttft, tokens);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException or IOException)
        {
            return new Outcome(false, 0, 0);
        }
        finally
        {
            dispatch.Done?.Invoke();
        }
    }
}
