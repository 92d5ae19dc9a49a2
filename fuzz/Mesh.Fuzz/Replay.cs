using System.Diagnostics;

namespace Mesh.Fuzz;

/// <summary>Runs saved inputs through a target without AFL: for crash triage, regression and CI's sanity check.</summary>
internal static class Replay
{
    public static int Run(FuzzTarget target, IEnumerable<string> paths)
    {
        var files = paths.SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal) : (IEnumerable<string>)[p]).ToList();
        var failures = 0;
        var slowest = TimeSpan.Zero;
        foreach (var file in files)
        {
            var input = File.ReadAllBytes(file);
            var watch = Stopwatch.StartNew();
            try
            {
                target.Run(input);
            }
            catch (Exception ex)
            {
                failures++;
                Console.WriteLine($"CRASH {target.Name} {file} ({input.Length} bytes): {ex}");
            }

            slowest = watch.Elapsed > slowest ? watch.Elapsed : slowest;
        }

        Console.WriteLine($"replay {target.Name}: {files.Count} inputs, {failures} crashed, slowest {slowest.TotalMilliseconds:F0} ms");
        return failures == 0 ? 0 : 1;
    }
}
