namespace Mesh.SimLlm.Text;

/// <summary>
/// SimLLM's tokenizer: every maximal run of letters and digits is one token, every other non-space character is a
/// token of its own, and white space separates tokens without being one. "Hello, world!" is 4 tokens. A token's id is
/// the stable hash of its text, so equal text gives equal ids (and equal prefix-cache blocks) in every process.
/// </summary>
internal static class SimpleTokenizer
{
    public static int Count(string text)
    {
        var count = 0;
        Scan(text, _ => count++);
        return count;
    }

    public static void AppendIds(string text, List<ulong> ids) => Scan(text, token => ids.Add(StableHash.Of(token)));

    /// <summary>A special token such as a chat role marker: one id that no ordinary text produces.</summary>
    public static ulong SpecialId(string name) => StableHash.Of($"<|{name}|>");

    private static void Scan(string text, Action<string> onToken)
    {
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (char.IsLetterOrDigit(c))
            {
                var start = i;
                while (i < text.Length && char.IsLetterOrDigit(text[i]))
                {
                    i++;
                }

                onToken(text[start..i]);
            }
            else
            {
                onToken(text.Substring(i, 1));
                i++;
            }
        }
    }
}
