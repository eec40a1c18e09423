namespace CpstExporter.LoadGen.Bench;

/// <summary>One agent whose tasks fill the bench's requests; the models are priced in the shipped price table.</summary>
internal sealed record BenchAgent(string UseCase, string Model, string Provider, string ServerAddress, string Tool, string SecondTool)
{
    public static readonly BenchAgent[] All =
    [
        new("support-bot", "gpt-5.4-mini", "openai", "api.openai.com", "file_search", "lookup_order"),
        new("coding-agent", "claude-sonnet-4-6", "anthropic", "api.anthropic.com", "read_file", "run_tests"),
        new("search-agent", "gemini-2.5-flash", "gcp.gemini", "generativelanguage.googleapis.com", "web_search", "fetch_page"),
    ];
}
