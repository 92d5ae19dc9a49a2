namespace Mesh.Demo.Model;

/// <summary>
/// How a model version differs: v1 is a word bigram model on the mesh corpus; v2 a trigram model on both corpora,
/// sampled cooler. Different enough that the answers show which version served them.
/// </summary>
internal sealed record ModelProfile
{
    public required string Version { get; init; }

    /// <summary>Tokens of context plus one: 2 = bigram, 3 = trigram.</summary>
    public required int Order { get; init; }

    public required double Temperature { get; init; }

    public required IReadOnlyList<string> Corpora { get; init; }

    public static ModelProfile For(string version) => version switch
    {
        "v1" => new ModelProfile { Version = "v1", Order = 2, Temperature = 1.0, Corpora = ["mesh"] },
        "v2" => new ModelProfile { Version = "v2", Order = 3, Temperature = 0.7, Corpora = ["mesh", "ops"] },
        _ => throw new ArgumentException($"--version must be v1 or v2 for the model, got '{version}'"),
    };

    public IEnumerable<string> ReadCorpora()
    {
        foreach (var name in Corpora)
        {
            using var stream = typeof(ModelProfile).Assembly.GetManifestResourceStream($"corpus.{name}.txt")
                ?? throw new InvalidOperationException($"corpus {name} is not embedded");
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0)
                {
                    yield return line;
                }
            }
        }
    }
}
