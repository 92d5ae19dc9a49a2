namespace Mesh.Demo.Hosting;

/// <summary>What this process is: bound from the command line (<c>--role model --version v2</c>) or <c>DEMO_*</c> variables.</summary>
internal sealed record DemoOptions
{
    public string Role { get; init; } = "";

    public string Version { get; init; } = "v1";

    /// <summary>Pause between streamed tokens, so that a person watching sees the stream (0 in tests that count).</summary>
    public int TokenDelayMs { get; init; } = 40;

    /// <summary>Base URLs of the services this one calls; the host names are mesh service names, resolved by the sidecar.</summary>
    public string ModelUrl { get; init; } = "http://model";

    public string TokenizerUrl { get; init; } = "http://tokenizer";

    /// <summary>The external model provider the model service may ask (<c>GET /ask</c>); plain HTTP, TLS is the mesh's job.</summary>
    public string ProviderUrl { get; init; } = "http://api.provider.example";

    public string ProviderModel { get; init; } = "provider-large";

    public static DemoOptions From(IConfiguration configuration)
    {
        var options = new DemoOptions
        {
            Role = configuration["role"] ?? configuration["DEMO_ROLE"] ?? "",
            Version = configuration["version"] ?? configuration["DEMO_VERSION"] ?? "v1",
            ModelUrl = configuration["model-url"] ?? "http://model",
            TokenizerUrl = configuration["tokenizer-url"] ?? "http://tokenizer",
            ProviderUrl = configuration["provider-url"] ?? "http://api.provider.example",
            ProviderModel = configuration["provider-model"] ?? "provider-large",
        };
        var delay = configuration["token-delay-ms"] ?? configuration["DEMO_TOKEN_DELAY_MS"];
        if (delay is not null)
        {
            options = options with
            {
                TokenDelayMs = int.TryParse(delay, out var ms) && ms is >= 0 and <= 10_000
                    ? ms
                    : throw new ArgumentException($"--token-delay-ms must be 0..10000, got '{delay}'"),
            };
        }

        return options.Role is "tokenizer" or "model" or "ranker"
            ? options
            : throw new ArgumentException($"--role must be tokenizer, model or ranker, got '{options.Role}'");
    }
}
