using Mesh.Demo.Text;

namespace Mesh.Demo.Tokenizer;

/// <summary>
/// Feature-hashed bag of words and word bigrams (the "hashing trick"): each feature lands in one of a fixed number of
/// buckets with a hashed sign, and the vector is L2-normalised so that a dot product is the cosine similarity.
/// </summary>
internal sealed class HashedEmbedding(int dimensions)
{
    public int Dimensions { get; } = dimensions;

    public float[] Embed(IReadOnlyList<string> tokens)
    {
        var vector = new float[Dimensions];
        for (var i = 0; i < tokens.Count; i++)
        {
            if (WordTokenizer.IsPunctuation(tokens[i]))
            {
                continue;
            }

            Add(vector, tokens[i], 1f);
            if (i + 1 < tokens.Count && !WordTokenizer.IsPunctuation(tokens[i + 1]))
            {
                Add(vector, tokens[i] + " " + tokens[i + 1], 0.5f);
            }
        }

        var norm = MathF.Sqrt(vector.Sum(v => v * v));
        if (norm > 0)
        {
            for (var i = 0; i < vector.Length; i++)
            {
                vector[i] /= norm;
            }
        }

        return vector;
    }

    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        double dot = 0;
        for (var i = 0; i < Math.Min(a.Count, b.Count); i++)
        {
            dot += a[i] * b[i];
        }

        return dot;
    }

    private void Add(float[] vector, string feature, float weight)
    {
        var hash = Fnv1a(feature);
        vector[hash % (uint)Dimensions] += (hash & 0x8000_0000) == 0 ? weight : -weight;
    }

    // FNV-1a: stable across processes and runs, unlike string.GetHashCode.
    private static uint Fnv1a(string text)
    {
        var hash = 2166136261u;
        foreach (var c in text)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }
}
