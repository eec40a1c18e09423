using CpstExporter.Billing.Focus;

namespace CpstExporter.Tests.Billing.Focus;

public sealed class FocusTimestampTests
{
    public static TheoryData<string, string> Days => new()
    {
        { "2025-03-01T00:00:00Z", "2025-03-01" },
        { "2025-03-01T23:59:59Z", "2025-03-01" },
        { "2025-03-01T00:00:00.000Z", "2025-03-01" },
        { "2025-03-01T00:00:00.1234567Z", "2025-03-01" },
        { "2025-03-01 00:00:00 UTC", "2025-03-01" },
        { "2025-03-01 00:00:00", "2025-03-01" },
        { "2025-03-01T10:00Z", "2025-03-01" },
        { "2025-03-01", "2025-03-01" },
        { "2025-03-01T00:30:00+01:00", "2025-02-28" },
        { "2025-03-01T00:30:00+0100", "2025-02-28" },
        { "2025-03-01T00:30:00+01", "2025-02-28" },
        { "2025-02-28T20:00:00-05:00", "2025-03-01" },
        { "2024-12-31T23:00:00-01:00", "2025-01-01" },
        { "2024-02-29T00:00:00Z", "2024-02-29" },
    };

    [Theory]
    [MemberData(nameof(Days))]
    public void TryParseUtcDay_IsoDateTime_GivesTheUtcDay(string text, string day)
    {
        Assert.True(FocusTimestamp.TryParseUtcDay(text, out DateOnly parsed));
        Assert.Equal(DateOnly.Parse(day, System.Globalization.CultureInfo.InvariantCulture), parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("03/01/2025")]
    [InlineData("2025-3-1")]
    [InlineData("2025-02-30T00:00:00Z")]
    [InlineData("2025-13-01T00:00:00Z")]
    [InlineData("2025-03-01T24:00:00Z")]
    [InlineData("2025-03-01T10:60:00Z")]
    [InlineData("2025-03-01T10:00:61Z")]
    [InlineData("2025-03-01T10:00:00.Z")]
    [InlineData("2025-03-01T10:00:00+15:00")]
    [InlineData("2025-03-01T10:00:00+01:")]
    [InlineData("2025-03-01T10:00:00 PST")]
    [InlineData("2025-03-01T10")]
    [InlineData("yesterday")]
    [InlineData("２０２５-03-01")]
    public void TryParseUtcDay_OtherText_IsNotADate(string text)
    {
        Assert.False(FocusTimestamp.TryParseUtcDay(text, out _));
    }
}
