using System.Text;
using CpstExporter.Primitives;

namespace CpstExporter.Tests.Primitives;

public class TraceIdTests
{
    [Theory]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e4736")]
    [InlineData("4BF92F3577B34DA6A3CE929D0E0E4736")]
    public void TryParseHex_32HexDigitsEitherCase_ParsesToLowerCaseText(string hex)
    {
        Assert.True(TraceId.TryParseHex(hex, out TraceId id));
        Assert.Equal("4bf92f3577b34da6a3ce929d0e0e4736", id.ToString());
        Assert.Equal(new TraceId(0x4bf92f3577b34da6, 0xa3ce929d0e0e4736), id);

    }

    [Theory]
    [InlineData("")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e47361")]
    [InlineData("4bf92f3577b34da6a3ce929d0e0e473g")]
    [InlineData("4bf92f35-7b34da6a3ce929d0e0e4736")]
    [InlineData(" bf92f3577b34da6a3ce929d0e0e4736")]
    public void TryParseHex_NotATraceId_False(string hex)
    {
        Assert.False(TraceId.TryParseHex(hex, out _));
    }

    [Fact]
    public void FromBytes_WriteBytes_RoundTrip()
    {
        byte[] bytes = Convert.FromHexString("0102030405060708090a0b0c0d0e0f10");

        TraceId id = TraceId.FromBytes(bytes);
        var back = new byte[16];
        id.WriteBytes(back);

        Assert.Equal(bytes, back);
        Assert.Equal(0x0102030405060708UL, id.High);
        Assert.Equal("0102030405060708090a0b0c0d0e0f10", id.ToString());
    }

    [Fact]
    public void TryFormat_WritesLowerHex_OrFalseWhenTooSmall()
    {
        var id = new TraceId(0xABCDEF, 1);
        var buffer = new byte[32];

        Assert.True(id.TryFormat(buffer, out int written));
        Assert.Equal(32, written);
        Assert.Equal("0000000000abcdef0000000000000001", Encoding.ASCII.GetString(buffer));
        Assert.False(id.TryFormat(new byte[31], out _));
    }

    [Fact]
    public void IsEmpty_OnlyAllZero()
    {
        Assert.True(default(TraceId).IsEmpty);
        Assert.False(new TraceId(0, 1).IsEmpty);
        Assert.False(new TraceId(1, 0).IsEmpty);
    }
}
