namespace Mesh.Demo.Text;

/// <summary>Lower-cased words (letters, digits, inner apostrophes) and sentence punctuation as tokens of their own.</summary>
internal static class WordTokenizer
{
    public const int MaxInputChars = 4096;

    public static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var word = new System.Text.StringBuilder();
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c) || (c == '\'' && word.Length > 0))
            {
                word.Append(char.ToLowerInvariant(c));
                continue;
            }

            Flush(word, tokens);
            if (c is '.' or ',' or '!' or '?' or ';' or ':')
            {
                tokens.Add(c.ToString());
            }
        }

        Flush(word, tokens);
        return tokens;
    }

    /// <summary>Joins tokens back into text: no space before punctuation.</summary>
    public static string Detokenize(IEnumerable<string> tokens)
    {
        var text = new System.Text.StringBuilder();
        foreach (var token in tokens)
        {
            text.Append(text.Length == 0 || IsPunctuation(token) ? "" : " ").Append(token);
        }

        return text.ToString();
    }

    public static bool IsPunctuation(string token) => token.Length == 1 && !char.IsLetterOrDigit(token[0]);

    private static void Flush(System.Text.StringBuilder word, List<string> tokens)
    {
        if (word.Length > 0)
        {
            tokens.Add(word.ToString().TrimEnd('\''));
            word.Clear();
        }
    }
}
