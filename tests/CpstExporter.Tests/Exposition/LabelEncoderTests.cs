using System.Text;
using CpstExporter.Exposition;

namespace CpstExporter.Tests.Exposition;

public class LabelEncoderTests
{
    public static TheoryData<string, string> Escapes => new()
    {
        { "support", "use_case=\"support\"" },
        { @"C:\agents\triage", @"use_case=""C:\\agents\\triage""" },
        { "say \"hi\"", "use_case=\"say \\\"hi\\\"\"" },
        { "line one\nline two", "use_case=\"line one\\nline two\"" },
        { "\\\"\n", "use_case=\"\\\\\\\"\\n\"" },
        { "trailing\\", "use_case=\"trailing\\\\\"" },
        { "tab\tstays", "use_case=\"tab\tstays\"" },
        { "réservation 助手", "use_case=\"réservation 助手\"" },
        { "", "use_case=\"\"" },
    };

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Encode_UseCaseValue_EscapedAsTheFormatsRequire(string value, string expected)
    {
        string encoded = Encoding.UTF8.GetString(LabelEncoder.EncodeOne("use_case", value));

        Assert.Equal(expected, encoded);
        Assert.DoesNotContain('\n', encoded);
    }

    [Theory]
    [MemberData(nameof(Escapes))]
    public void Encode_UseCaseValue_UnescapesBackToTheValue(string value, string expected)
    {
        string encoded = Encoding.UTF8.GetString(LabelEncoder.EncodeOne("use_case", value));
        Assert.Equal(expected, encoded);

        string quoted = encoded["use_case=\"".Length..^1];
        var unescaped = new StringBuilder();
        for (int i = 0; i < quoted.Length; i++)
        {
            if (quoted[i] != '\\') { unescaped.Append(quoted[i]); continue; }
            char next = quoted[++i];
            unescaped.Append(next == 'n' ? '\n' : next);
        }
        Assert.Equal(value, unescaped.ToString());
    }

    [Fact]
    public void Encode_SeveralLabels_CommaSeparatedInOrder()
    {
        byte[] encoded = LabelEncoder.Encode(["use_case", "outcome", "model"], ["support", "success", "gpt-4o"]);

        Assert.Equal("use_case=\"support\",outcome=\"success\",model=\"gpt-4o\"", Encoding.UTF8.GetString(encoded));
    }

    [Fact]
    public void Encode_NoLabels_Empty()
    {
        Assert.Empty(LabelEncoder.Encode([], []));
    }
}
