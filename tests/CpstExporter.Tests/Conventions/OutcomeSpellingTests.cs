using System.Text;
using CpstExporter.Conventions;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Conventions;

public class OutcomeSpellingTests
{
    public static TheoryData<string, string> Spellings => new()
    {
        { "success", "success" },
        { "Success", "success" },
        { "succeeded", "success" },
        { "SUCCEEDED", "success" },
        { "ok", "success" },
        { "Ok", "success" },
        { "pass", "success" },
        { "PASS", "success" },
        { "passed", "success" },
        { "true", "success" },
        { "True", "success" },
        { "resolved", "success" },
        { "RESOLVED", "success" },
        { "  ok  ", "success" },
        { "failed", "failure" },
        { "failure", "failure" },
        { "no", "failure" },
        { "false", "failure" },
        { "0", "failure" },
        { "okay", "failure" },
        { "passes", "failure" },
        { "not resolved", "failure" },
        { "succès", "failure" },
    };

    [Theory]
    [MemberData(nameof(Spellings))]
    public void FromUtf8_Spelling_MapsToOutcome(string value, string expected)
    {
        Assert.Equal(expected, OutcomeSpelling.FromUtf8(Encoding.UTF8.GetBytes(value)).LabelValue());
    }

    [Theory]
    [MemberData(nameof(Spellings))]
    public void FromString_Spelling_AgreesWithFromUtf8(string value, string expected)
    {
        Assert.Equal(expected, OutcomeSpelling.FromString(value).LabelValue());
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t")]
    [InlineData(null)]
    public void FromString_EmptyOrBlank_IsUnknown(string? value)
    {
        Assert.Equal(Outcome.Unknown, OutcomeSpelling.FromString(value));
    }

    [Theory]
    [InlineData(0, "unknown")]
    [InlineData(1, "success")]
    [InlineData(2, "failure")]
    public void LabelValue_Outcome_IsTheMetricLabel(int outcome, string label)
    {
        Assert.Equal(label, ((Outcome)outcome).LabelValue());
    }
}
