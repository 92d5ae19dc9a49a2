using System.Globalization;

namespace Mesh.Bench.Storage;

internal sealed record BenchOptions
{
    public int Registrations { get; init; } = 20_000;

    public int PeerRegistrations { get; init; } = 2_000;

    public int Concurrency { get; init; } = 256;

    public int Runs { get; init; } = 3;

    public int MaxBatchSize { get; init; } = 512;

    /// <summary>Reads <c>--name value</c> pairs; unknown names are an error so a typo is not silently ignored.</summary>
    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            var value = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
            options = args[i] switch
            {
                "--registrations" => options with { Registrations = value },
                "--peer-registrations" => options with { PeerRegistrations = value },
                "--concurrency" => options with { Concurrency = value },
                "--runs" => options with { Runs = value },
                "--max-batch" => options with { MaxBatchSize = value },
                _ => throw new ArgumentException($"Unknown option '{args[i]}'"),
            };
        }

        return options;
    }
}
