using Mesh.Demo.Text;

namespace Mesh.Demo.Model;

/// <summary>
/// A word n-gram language model trained at startup: counts of the next token after every context of 1..Order-1
/// tokens. Generation backs off to shorter contexts when the prompt's context was never seen, and samples with
/// temperature (count^(1/T)).
/// </summary>
internal sealed class NgramModel
{
    public const string End = "</s>";
    private const string Start = "<s>";
    private readonly Dictionary<string, Dictionary<string, int>> _next = new(StringComparer.Ordinal);

    private NgramModel(ModelProfile profile) => Profile = profile;

    public ModelProfile Profile { get; }

    public int Contexts => _next.Count;

    public static NgramModel Train(ModelProfile profile)
    {
        var model = new NgramModel(profile);
        foreach (var sentence in profile.ReadCorpora())
        {
            var tokens = Enumerable.Repeat(Start, profile.Order - 1).Concat(WordTokenizer.Tokenize(sentence)).Append(End).ToList();
            for (var i = profile.Order - 1; i < tokens.Count; i++)
            {
                for (var length = 1; length < profile.Order; length++)
                {
                    var counts = model.Table(Key(tokens, i - length, length));
                    counts[tokens[i]] = counts.GetValueOrDefault(tokens[i]) + 1;
                }
            }
        }

        return model;
    }

    /// <summary>Yields up to <paramref name="maxTokens"/> tokens continuing <paramref name="prompt"/>.</summary>
    public IEnumerable<string> Generate(string prompt, int maxTokens, Random random)
    {
        var context = Enumerable.Repeat(Start, Profile.Order - 1).Concat(WordTokenizer.Tokenize(prompt)).ToList();
        for (var produced = 0; produced < maxTokens; produced++)
        {
            var token = Sample(context, random);
            if (token == End)
            {
                // A finished sentence: start the next one, as a chat model keeps talking until its budget ends.
                context.AddRange(Enumerable.Repeat(Start, Profile.Order - 1));
                token = Sample(context, random);
            }

            context.Add(token);
            yield return token;
        }
    }

    private string Sample(List<string> context, Random random)
    {
        for (var length = Math.Min(Profile.Order - 1, context.Count); length >= 1; length--)
        {
            if (_next.TryGetValue(Key(context, context.Count - length, length), out var counts))
            {
                var weights = counts.Select(c => (c.Key, Weight: Math.Pow(c.Value, 1.0 / Profile.Temperature))).ToList();
                var pick = random.NextDouble() * weights.Sum(w => w.Weight);
                foreach (var (token, weight) in weights)
                {
                    pick -= weight;
                    if (pick <= 0)
                    {
                        return token;
                    }
                }

                return weights[^1].Key;
            }
        }

        // An unseen word with no shorter context: start a fresh sentence.
        return Sample([.. Enumerable.Repeat(Start, Profile.Order - 1)], random);
    }

    private Dictionary<string, int> Table(string key)
    {
        if (!_next.TryGetValue(key, out var counts))
        {
            _next[key] = counts = new Dictionary<string, int>(StringComparer.Ordinal);
        }

        return counts;
    }

    private static string Key(List<string> tokens, int from, int length) => string.Join(' ', tokens.GetRange(from, length));
}
