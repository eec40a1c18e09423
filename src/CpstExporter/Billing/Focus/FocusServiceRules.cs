namespace CpstExporter.Billing.Focus;

/// <summary>
/// Which FOCUS rows count, and under which provider (docs/billing.md, "FOCUS exports"). A row counts when its
/// <c>ChargeCategory</c> is <c>Usage</c>, its service is AI/ML (<c>ServiceCategory</c> <c>AI and Machine Learning</c>, or
/// a <c>ServiceName</c> matched by a <c>Cpst:Billing:Focus:Services</c> pattern), and its provider is known. The provider,
/// first rule that applies:
/// <list type="number">
/// <item><c>Cpst:Billing:Focus:Providers:&lt;ServiceName&gt;</c>, the whole service name, any case;</item>
/// <item>provider AWS or Amazon and a service name with <c>Bedrock</c> → <c>aws.bedrock</c> (models of other publishers
/// on Bedrock included: they are called through Bedrock, and traced so);</item>
/// <item>provider Microsoft or Azure and a service name with <c>OpenAI</c> or <c>Foundry</c> → <c>azure.ai.openai</c>;</item>
/// <item>provider Google and a service name with <c>Vertex AI</c> → <c>gcp.vertex_ai</c>;</item>
/// <item>provider or publisher OpenAI → <c>openai</c>, Anthropic → <c>anthropic</c>.</item>
/// </list>
/// Names are compared without regard to case; a provider matches by its start (<c>Amazon Web Services, Inc.</c>).
/// Classifying a row allocates nothing.
/// </summary>
internal sealed class FocusServiceRules
{
    public const string AwsBedrock = "aws.bedrock";
    public const string AzureOpenAi = "azure.ai.openai";
    public const string GcpVertexAi = "gcp.vertex_ai";
    public const string OpenAi = "openai";
    public const string Anthropic = "anthropic";

    private const string AiAndMachineLearning = "AI and Machine Learning";
    private const StringComparison IgnoreCase = StringComparison.OrdinalIgnoreCase;

    private readonly IReadOnlyList<ServiceNamePattern> _services;
    private readonly Dictionary<string, string>.AlternateLookup<ReadOnlySpan<char>> _providers;

    public FocusServiceRules(IReadOnlyList<ServiceNamePattern> services, IReadOnlyDictionary<string, string> providers)
    {
        _services = services;
        _providers = new Dictionary<string, string>(providers, StringComparer.OrdinalIgnoreCase).GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public FocusServiceRules(FocusImportOptions options) : this(options.Services, options.Providers)
    {
    }

    /// <summary>What the row is; <paramref name="billedProvider"/> is set for <see cref="FocusRowKind.Counted"/>.</summary>
    public FocusRowKind Classify(ReadOnlySpan<char> chargeCategory, ReadOnlySpan<char> serviceCategory, ReadOnlySpan<char> serviceName,
        ReadOnlySpan<char> provider, ReadOnlySpan<char> publisher, out string? billedProvider)
    {
        billedProvider = null;
        if (!chargeCategory.Trim().Equals("Usage", IgnoreCase)) return FocusRowKind.NotUsage;
        serviceName = serviceName.Trim();
        if (!serviceCategory.Trim().Equals(AiAndMachineLearning, IgnoreCase) && !MatchesService(serviceName)) return FocusRowKind.NotAiService;
        billedProvider = ProviderOf(serviceName, provider.Trim(), publisher.Trim());
        return billedProvider is null ? FocusRowKind.UnknownProvider : FocusRowKind.Counted;
    }

    private bool MatchesService(ReadOnlySpan<char> serviceName)
    {
        foreach (ServiceNamePattern pattern in _services)
            if (pattern.IsMatch(serviceName)) return true;
        return false;
    }

    private string? ProviderOf(ReadOnlySpan<char> serviceName, ReadOnlySpan<char> provider, ReadOnlySpan<char> publisher)
    {
        if (_providers.TryGetValue(serviceName, out string? configured)) return configured;
        if ((provider.StartsWith("AWS", IgnoreCase) || provider.StartsWith("Amazon", IgnoreCase)) && serviceName.Contains("Bedrock", IgnoreCase))
            return AwsBedrock;
        if ((provider.StartsWith("Microsoft", IgnoreCase) || provider.StartsWith("Azure", IgnoreCase))
            && (serviceName.Contains("OpenAI", IgnoreCase) || serviceName.Contains("Foundry", IgnoreCase)))
            return AzureOpenAi;
        if (provider.StartsWith("Google", IgnoreCase) && serviceName.Contains("Vertex AI", IgnoreCase)) return GcpVertexAi;
        if (provider.StartsWith("OpenAI", IgnoreCase) || publisher.StartsWith("OpenAI", IgnoreCase)) return OpenAi;
        if (provider.StartsWith("Anthropic", IgnoreCase) || publisher.StartsWith("Anthropic", IgnoreCase)) return Anthropic;
        return null;
    }
}
