namespace CpstExporter.LoadGen.Demo;

/// <summary>
/// The three agents of the demo. Every model is priced in the shipped <c>pricing.yaml</c> (a test checks it), so
/// that the demo shows real-looking spend; custom tools (<c>lookup_order</c>, <c>read_file</c>…) have no price and
/// cost nothing, as in practice.
/// </summary>
internal static class UseCaseProfiles
{
    /// <summary>
    /// Answers customer tickets with a small OpenAI model and file search, streaming to a chat window; many outcomes come
    /// from later reviews.
    /// </summary>
    public static readonly UseCaseProfile SupportBot = new()
    {
        Name = "support-bot",
        Share = 0.60,
        Model = new ModelSpec("gpt-5.4-mini", "openai", "api.openai.com"),
        CheapModel = new ModelSpec("gpt-5.4-nano", "openai", "api.openai.com"),
        LlmCallsPerTask = new IntRange(2, 4),
        InputTokensPerCall = new IntRange(1200, 2800),
        OutputTokensPerCall = new IntRange(120, 360),
        CacheHitRatio = 0.5,
        CachedInputShare = 0.5,
        PrimaryTool = new ToolSpec("file_search", new IntRange(1, 2)),
        OtherTools = [new ToolSpec("lookup_order", new IntRange(0, 1))],
        SuccessRatio = 0.88,
        CheapModelSuccessRatio = 0.30,
        OutcomeOnRootShare = 0.50,
        OutcomeLaterShare = 0.42,
        MinOutcomeDelaySeconds = 20,
        MaxOutcomeDelaySeconds = 120,
        Variants = ["prompt-a", "prompt-b"],
        Streams = true,
    };

    /// <summary>Writes code with an Anthropic model over large, mostly cached contexts; the CI result is the outcome.</summary>
    public static readonly UseCaseProfile CodingAgent = new()
    {
        Name = "coding-agent",
        Share = 0.15,
        Model = new ModelSpec("claude-sonnet-4-6", "anthropic", "api.anthropic.com"),
        CheapModel = new ModelSpec("claude-haiku-4-5", "anthropic", "api.anthropic.com"),
        LlmCallsPerTask = new IntRange(3, 6),
        InputTokensPerCall = new IntRange(8000, 24000),
        OutputTokensPerCall = new IntRange(400, 1600),
        CacheHitRatio = 0.8,
        CachedInputShare = 0.75,
        PrimaryTool = new ToolSpec("read_file", new IntRange(2, 5)),
        OtherTools = [new ToolSpec("run_tests", new IntRange(1, 2))],
        SuccessRatio = 0.72,
        CheapModelSuccessRatio = 0.25,
        OutcomeOnRootShare = 0.80,
        OutcomeLaterShare = 0.15,
        MinOutcomeDelaySeconds = 60,
        MaxOutcomeDelaySeconds = 300,
    };

    /// <summary>Answers questions from one web search with a Gemini model; outcomes are thumbs up or down that users give soon after.</summary>
    public static readonly UseCaseProfile SearchAgent = new()
    {
        Name = "search-agent",
        Share = 0.25,
        Model = new ModelSpec("gemini-2.5-flash", "gcp.gemini", "generativelanguage.googleapis.com"),
        CheapModel = new ModelSpec("gemini-2.5-flash-lite", "gcp.gemini", "generativelanguage.googleapis.com"),
        LlmCallsPerTask = new IntRange(2, 3),
        InputTokensPerCall = new IntRange(3000, 9000),
        OutputTokensPerCall = new IntRange(200, 600),
        CacheHitRatio = 0.2,
        CachedInputShare = 0.3,
        PrimaryTool = new ToolSpec("web_search", new IntRange(1, 1)),
        OtherTools = [new ToolSpec("fetch_page", new IntRange(0, 1))],
        SuccessRatio = 0.80,
        CheapModelSuccessRatio = 0.35,
        OutcomeOnRootShare = 0.60,
        OutcomeLaterShare = 0.30,
        MinOutcomeDelaySeconds = 5,
        MaxOutcomeDelaySeconds = 60,
    };

    public static readonly IReadOnlyList<UseCaseProfile> All = [SupportBot, CodingAgent, SearchAgent];

    public static UseCaseProfile? Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase));
}
