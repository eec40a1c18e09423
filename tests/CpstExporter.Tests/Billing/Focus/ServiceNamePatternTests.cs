using CpstExporter.Billing.Focus;

namespace CpstExporter.Tests.Billing.Focus;

public sealed class ServiceNamePatternTests
{
    [Theory]
    [InlineData("Amazon SageMaker", "Amazon SageMaker", true)]
    [InlineData("amazon sagemaker", "Amazon SageMaker", true)]
    [InlineData("Amazon SageMaker*", "Amazon SageMaker Studio", true)]
    [InlineData("Amazon SageMaker*", "Amazon SageMaker", true)]
    [InlineData("Amazon SageMaker", "Amazon SageMaker Studio", false)]
    [InlineData("*OpenAI*", "Azure OpenAI Service", true)]
    [InlineData("*AI", "Vertex AI", true)]
    [InlineData("*AI", "Vertex AI Search", false)]
    [InlineData("Model ?", "Model X", true)]
    [InlineData("Model ?", "Model XY", false)]
    [InlineData("a*b*c", "aXXbYYbZZc", true)]
    [InlineData("a*b*c", "aXXbYYbZZ", false)]
    [InlineData("*", "", true)]
    [InlineData("?", "", false)]
    public void IsMatch_Glob_MatchesTheWholeNameIgnoringCase(string pattern, string name, bool matches)
    {
        Assert.Equal(matches, ServiceNamePattern.Parse(pattern).IsMatch(name));
    }

    [Fact]
    public void IsMatch_ManyStarsOnALongName_EndsWithoutBacktrackingBlowUp()
    {
        // Exponential for a backtracking regex; a glob retries from the last star only.
        var pattern = ServiceNamePattern.Parse(string.Concat(Enumerable.Repeat("*a", 30)) + "b");

        Assert.False(pattern.IsMatch(new string('a', 10_000)));
    }
}
