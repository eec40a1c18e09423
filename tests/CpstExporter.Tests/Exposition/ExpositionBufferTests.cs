using System.Globalization;
using System.Text;
using CpstExporter.Exposition;

namespace CpstExporter.Tests.Exposition;

public class ExpositionBufferTests
{
    private static string Written(Action<ExpositionBuffer> write)
    {
        var buffer = new ExpositionBuffer(4);
        write(buffer);
        return Encoding.UTF8.GetString(buffer.Written.Span);
    }

    public static TheoryData<string, string> Decimals => new()
    {
        { "1.500", "1.5" },
        { "0.0045000", "0.0045" },
        { "100", "100" },
        { "100.00", "100" },
        { "0", "0" },
        { "0.000", "0" },
        { "-2.50", "-2.5" },
        { "0.0000001", "0.0000001" },
        { "0.0000000000000000000000000001", "0.0000000000000000000000000001" },
        { "12345678901234567890.12300", "12345678901234567890.123" },
        { "79228162514264337593543950335", "79228162514264337593543950335" },
        { "1000000000000000000000", "1000000000000000000000" },
        { "-79228162514264337593543950335", "-79228162514264337593543950335" },
        { "7.9228162514264337593543950335", "7.9228162514264337593543950335" },
        { "79228162514264337593543950.335", "79228162514264337593543950.335" },
        { "3014768.7409841076710248076156", "3014768.7409841076710248076156" },
        { "-0.0000000000000000000000000001", "-0.0000000000000000000000000001" },
    };

    [Theory]
    [MemberData(nameof(Decimals))]
    public void WriteDecimal_StripsTrailingZerosAndNeverUsesAnExponent(string value, string expected)
    {
        decimal number = decimal.Parse(value, CultureInfo.InvariantCulture);

        string written = Written(b => b.Write(number));

        Assert.Equal(expected, written);
        Assert.DoesNotContain('E', written);
        Assert.Equal(number, decimal.Parse(written, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void WriteDecimal_ProductsAndQuotients_Exact()
    {
        decimal cost = 1000 * 2.50m / 1_000_000m + 200 * 10.00m / 1_000_000m;

        Assert.Equal("0.0045", Written(b => b.Write(cost)));
    }

    [Theory]
    [InlineData(double.PositiveInfinity, "+Inf")]
    [InlineData(double.NegativeInfinity, "-Inf")]
    [InlineData(double.NaN, "NaN")]
    [InlineData(0.1, "0.1")]
    [InlineData(1700000000.25, "1700000000.25")]
    [InlineData(0.0, "0")]
    public void WriteDouble_SpelledAsTheFormatsRequire(double value, string expected)
    {
        Assert.Equal(expected, Written(b => b.Write(value)));
    }

    [Theory]
    [InlineData(0L, "0")]
    [InlineData(-42L, "-42")]
    [InlineData(long.MaxValue, "9223372036854775807")]
    [InlineData(long.MinValue, "-9223372036854775808")]
    public void WriteLong_Invariant(long value, string expected)
    {
        Assert.Equal(expected, Written(b => b.Write(value)));
    }

    [Fact]
    public void Write_PastInitialSize_Grows_AndResetStartsOver()
    {
        var buffer = new ExpositionBuffer(2);
        string text = new('x', 10_000);

        buffer.Write(Encoding.UTF8.GetBytes(text));
        buffer.Write((byte)'!');
        Assert.Equal(text + "!", Encoding.UTF8.GetString(buffer.Written.Span));

        buffer.Reset();
        buffer.Write("ok"u8);
        Assert.Equal("ok", Encoding.UTF8.GetString(buffer.Written.Span));
        Assert.Equal(2, buffer.Length);
    }
}
