using CpstExporter.Billing.Focus;

namespace CpstExporter.Tests.Billing.Focus;

public sealed class FocusServiceRulesTests
{
    private static readonly FocusServiceRules Rules = new([ServiceNamePattern.Parse("Amazon SageMaker*")],
        new Dictionary<string, string> { ["Amazon SageMaker Inference"] = "aws.sagemaker" });

    /// <summary>ChargeCategory, ServiceCategory, ServiceName, ProviderName, PublisherName → provider, or the reason it is skipped.</summary>
    public static TheoryData<string, string, string, string, string, string> Rows => new()
    {
        { "Usage", "AI and Machine Learning", "Amazon Bedrock", "AWS", "AWS", "aws.bedrock" },
        { "usage", "ai and machine learning", "amazon bedrock", "Amazon Web Services, Inc.", "", "aws.bedrock" },
        { "Usage", "AI and Machine Learning", "Claude 3.5 Sonnet (Amazon Bedrock Edition)", "AWS", "Anthropic", "aws.bedrock" },
        { "Usage", "AI and Machine Learning", "Azure OpenAI Service", "Microsoft", "Microsoft", "azure.ai.openai" },
        { "Usage", "AI and Machine Learning", "Azure AI Foundry Models", "Microsoft", "Microsoft", "azure.ai.openai" },
        { "Usage", "AI and Machine Learning", "Vertex AI", "Google Cloud", "Google Cloud", "gcp.vertex_ai" },
        { "Usage", "AI and Machine Learning", "OpenAI API", "OpenAI", "OpenAI", "openai" },
        { "Usage", "AI and Machine Learning", "GPT models", "Marketplace Inc.", "OpenAI, L.L.C.", "openai" },
        { "Usage", "AI and Machine Learning", "Claude API", "Anthropic", "Anthropic", "anthropic" },
        { "Usage", "Other", "Amazon SageMaker Inference", "AWS", "AWS", "aws.sagemaker" },
        { "Usage", "Other", "Amazon SageMaker Studio", "AWS", "AWS", nameof(FocusRowKind.UnknownProvider) },
        { "Usage", "AI and Machine Learning", "Amazon Rekognition", "AWS", "AWS", nameof(FocusRowKind.UnknownProvider) },
        { "Usage", "AI and Machine Learning", "Vertex AI", "AWS", "AWS", nameof(FocusRowKind.UnknownProvider) },
        { "Usage", "Compute", "Amazon Bedrock", "AWS", "AWS", nameof(FocusRowKind.NotAiService) },
        { "Purchase", "AI and Machine Learning", "Amazon Bedrock", "AWS", "AWS", nameof(FocusRowKind.NotUsage) },
        { "Tax", "AI and Machine Learning", "OpenAI API", "OpenAI", "OpenAI", nameof(FocusRowKind.NotUsage) },
        { "Credit", "AI and Machine Learning", "Claude API", "Anthropic", "Anthropic", nameof(FocusRowKind.NotUsage) },
        { "Adjustment", "AI and Machine Learning", "Vertex AI", "Google Cloud", "Google Cloud", nameof(FocusRowKind.NotUsage) },
    };

    [Theory]
    [MemberData(nameof(Rows))]
    public void Classify_Row_CountsUnderItsProviderOrSaysWhyNot(string category, string serviceCategory, string service, string provider,
        string publisher, string expected)
    {
        FocusRowKind kind = Rules.Classify(category, serviceCategory, service, provider, publisher, out string? billed);

        Assert.Equal(expected, kind == FocusRowKind.Counted ? billed : kind.ToString());
    }
}
