using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;

namespace Mesh.Bench.Push;

/// <summary>
/// X.509-SVID issuance through the admin API (join token + CSR, as a sidecar asks), with one silo and with three on
/// one PostgreSQL, requests spread round robin: does issuance scale with silos, or is something funnelled? Every
/// silo signs with the active root it decrypted into memory; the CA grain is only involved in credential changes.
/// </summary>
internal static class IssuanceBench
{
    public static async Task RunAsync(string siloDll, int requests, int concurrency)
    {
        var csrs = Enumerable.Range(0, requests + 50).Select(_ => NewCsr()).ToArray();
        var kek = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var postgres = await Mesh.Tests.Infrastructure.PostgresServer.LaunchAsync(allowExternal: false);
        foreach (var count in new[] { 1, 3 })
        {
            var database = await postgres.CreateDatabaseAsync($"bench_issuance_{count}");
            var silos = new List<SiloHost>();
            try
            {
                for (var i = 0; i < count; i++)
                {
                    silos.Add(await SiloHost.StartAsync(siloDll, database, new Dictionary<string, string>
                    {
                        ["Mesh__SiloId"] = $"issuer-{i}",
                        ["Mesh__Ca__KeyEncryptionKey"] = kek,
                    }));
                }

                foreach (var silo in silos)
                {
                    await WaitForBundleAsync(silo);
                }

                var token = await CreateTokenAsync(silos[0]);
                await IssueAllAsync(silos, token, csrs[..50], concurrency);
                var started = Stopwatch.GetTimestamp();
                await IssueAllAsync(silos, token, csrs[50..], concurrency);
                var rate = requests / Stopwatch.GetElapsedTime(started).TotalSeconds;
                Console.WriteLine($"issuance: {requests:N0} SVIDs (P-256) through {count} silo(s), concurrency {concurrency}: {rate:F0}/s");
            }
            finally
            {
                foreach (var silo in silos)
                {
                    await silo.DisposeAsync();
                }
            }
        }
    }

    private static async Task IssueAllAsync(List<SiloHost> silos, string token, string[] csrs, int concurrency)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async _ =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < csrs.Length)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/certificates") { Content = JsonContent.Create(new { csr = csrs[i] }) };
                request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
                using var response = await silos[i % silos.Count].Admin.SendAsync(request);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException($"issuance failed: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
                }
            }
        }));
    }

    private static async Task WaitForBundleAsync(SiloHost silo)
    {
        var deadline = Stopwatch.GetTimestamp() + Stopwatch.Frequency * 60;
        while (Stopwatch.GetTimestamp() < deadline)
        {
            using var response = await silo.Admin.GetAsync("/api/v1/ca/bundle");
            if (response.IsSuccessStatusCode)
            {
                return;
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("the CA never served a bundle");
    }

    private static async Task<string> CreateTokenAsync(SiloHost silo)
    {
        using var response = await silo.Admin.PostAsJsonAsync("/api/v1/join-tokens", new { @namespace = "bench", serviceAccount = "load", singleUse = false, ttlSeconds = 3600 });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static string NewCsr()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        return new CertificateRequest("CN=workload", key, HashAlgorithmName.SHA256).CreateSigningRequestPem();
    }
}
