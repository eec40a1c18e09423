using System.Text.RegularExpressions;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Primitives;

public partial class LabelValueTests
{
    [Fact]
    public void Outcome_EveryMember_HasOneDistinctSpelling() => AssertOneSpellingEach<Outcome>(OutcomeLabels.LabelValue);

    [Fact]
    public void TokenType_EveryMember_HasOneDistinctSpelling() => AssertOneSpellingEach<TokenType>(TokenTypeLabels.LabelValue);

    [Fact]
    public void ServiceTier_EveryMember_HasOneDistinctSpelling() => AssertOneSpellingEach<ServiceTier>(ServiceTierLabels.LabelValue);

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
    /// Each member of <typeparamref name="TEnum"/> has a label value, a lower-case word that Prometheus and OTLP take as
    /// it is, and no two members share one: a counter or a query that reads a value back finds one member.
    /// </summary>
    internal static void AssertOneSpellingEach<TEnum>(Func<TEnum, string> labelValue) where TEnum : struct, Enum
    {
        TEnum[] members = Enum.GetValues<TEnum>();
        string[] spellings = members.Select(labelValue).ToArray();

        Assert.All(spellings, spelling => Assert.Matches(Spelling(), spelling));
        Assert.Equal(members.Length, spellings.Distinct(StringComparer.Ordinal).Count());
    }

    [GeneratedRegex("^[a-z][a-z0-9_]*$")]
    private static partial Regex Spelling();
}
