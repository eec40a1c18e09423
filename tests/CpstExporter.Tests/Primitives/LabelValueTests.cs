using System.Text.RegularExpressions;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Primitives;

public partial class LabelValueTests
{
    [Fact]
    public void Outcome_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<Outcome>().Length, DistinctSpellings<Outcome>(OutcomeLabels.LabelValue));

    [Fact]
    public void TokenType_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<TokenType>().Length, DistinctSpellings<TokenType>(TokenTypeLabels.LabelValue));

    [Fact]
    public void ServiceTier_EveryMember_HasOneDistinctSpelling() =>
        Assert.Equal(Enum.GetValues<ServiceTier>().Length, DistinctSpellings<ServiceTier>(ServiceTierLabels.LabelValue));

    [Fact]
    public void Outcome_LabelValue_ParsesBackToTheOutcome()
    {
        foreach (Outcome outcome in Enum.GetValues<Outcome>())
        {
            Assert.True(OutcomeLabels.TryParse(outcome.LabelValue(), out Outcome parsed));
            Assert.Equal(outcome, parsed);
        }
        Assert.False(OutcomeLabels.TryParse("Success", out _));
        Assert.False(OutcomeLabels.TryParse(null, out _));
    }

    [Fact]
    public void TokenType_FollowsTheCountsOfTokenUsage()
    {
        string[] counts = typeof(TokenUsage).GetConstructors().Single().GetParameters().Select(p => p.Name!).ToArray();

        Assert.Equal(counts, Enum.GetNames<TokenType>());
    }

    /// <summary>
    /// The number of distinct label values of <typeparamref name="TEnum"/>'s members that are lower-case words Prometheus
    /// and OTLP take as they are: the number of members when each has one spelling of its own, so that a counter or a
    /// query that reads a value back finds one member.
    /// </summary>
    internal static int DistinctSpellings<TEnum>(Func<TEnum, string> labelValue) where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Select(labelValue).Where(s => Spelling().IsMatch(s)).Distinct(StringComparer.Ordinal).Count();

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex Spelling();
}
