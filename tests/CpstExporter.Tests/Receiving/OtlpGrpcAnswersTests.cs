using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class OtlpGrpcAnswersTests
{
    public static TheoryData<string, string> Messages => new()
    {
        { "plain ASCII message: ok", "plain ASCII message: ok" },
        { "100%", "100%25" },
        { "%41", "%2541" },
        { "café", "caf%C3%A9" },
        { "模型", "%E6%A8%A1%E5%9E%8B" },
        { "😀", "%F0%9F%98%80" },
        { "line\nbreak\ttab", "line%0Abreak%09tab" },
        { "\u007f", "%7F" },
        { " ~", " ~" },
        { "", "" },
    };

    [Theory]
    [MemberData(nameof(Messages))]
    public void PercentEncode_GrpcMessage_EncodesNonAsciiControlAndPercent(string message, string expected)
    {
        Assert.Equal(expected, OtlpGrpcAnswers.PercentEncode(message));
    }

    [Theory]
    [MemberData(nameof(Messages))]
    public void PercentEncode_Decodes_BackToTheMessage(string message, string expected)
    {
        string encoded = OtlpGrpcAnswers.PercentEncode(message);
        Assert.Equal(expected, encoded);

        Assert.Equal(message, Uri.UnescapeDataString(encoded));
        Assert.All(encoded, c => Assert.InRange(c, ' ', '~'));
    }
}
