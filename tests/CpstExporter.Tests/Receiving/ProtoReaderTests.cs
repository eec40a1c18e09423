using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class ProtoReaderTests
{
    public static TheoryData<byte[], ulong> Varints => new()
    {
        { [0x00], 0UL },
        { [0x01], 1UL },
        { [0x7F], 127UL },
        { [0x80, 0x01], 128UL },
        { [0xAC, 0x02], 300UL },
        { [0xFF, 0xFF, 0xFF, 0xFF, 0x0F], uint.MaxValue },
        { [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01], ulong.MaxValue },
        { [0x80, 0x80, 0x00], 0UL }, // non-minimal encodings are valid protobuf
    };

    [Theory]
    [MemberData(nameof(Varints))]
    public void ReadVarint_Encoding_GivesValue(byte[] bytes, ulong value)
    {
        var reader = new ProtoReader(bytes);

        Assert.Equal(value, reader.ReadVarint());
        Assert.True(reader.End);
    }

    [Fact]
    public void ReadVarint_MoreThanTenBytes_Throws()
    {
        byte[] bytes = [0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01];

        var error = Assert.Throws<OtlpFormatException>(() => new ProtoReader(bytes).ReadVarint());

        Assert.Contains("varint", error.Message);
    }

    [Fact]
    public void ReadVarint_TruncatedInTheMiddle_Throws()
    {
        Assert.Throws<OtlpFormatException>(() => new ProtoReader([0x80, 0x80]).ReadVarint());
    }

    [Fact]
    public void TryReadTag_FieldAndWireType()
    {
        // field 15, wire type 2 (length-delimited): (15 << 3) | 2 = 122
        var reader = new ProtoReader([122, 0]);

        Assert.True(reader.TryReadTag(out int field, out int wireType));
        Assert.Equal(15, field);
        Assert.Equal(ProtoReader.LengthDelimited, wireType);
    }

    [Fact]
    public void TryReadTag_AtEnd_ReturnsFalse()
    {
        var reader = new ProtoReader([]);

        Assert.False(reader.TryReadTag(out _, out _));
    }

    [Fact]
    public void TryReadTag_FieldNumberZero_Throws()
    {
        Assert.Throws<OtlpFormatException>(() => new ProtoReader([0x02]).TryReadTag(out _, out _));
    }

    [Fact]
    public void TryReadTag_FieldNumberBeyondInt_Throws()
    {
        // a tag whose field number needs more than 31 bits
        byte[] tag = [0xF8, 0xFF, 0xFF, 0xFF, 0xFF, 0x1F];

        Assert.Throws<OtlpFormatException>(() => new ProtoReader(tag).TryReadTag(out _, out _));
    }

    [Fact]
    public void ReadFixed_LittleEndian()
    {
        var reader = new ProtoReader([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xAA, 0xBB, 0xCC, 0xDD]);

        Assert.Equal(0x0807060504030201UL, reader.ReadFixed64());
        Assert.Equal(0xDDCCBBAAU, reader.ReadFixed32());
        Assert.True(reader.End);
    }

    [Fact]
    public void ReadFixed_Truncated_Throws()
    {
        Assert.Throws<OtlpFormatException>(() => new ProtoReader([1, 2, 3, 4, 5, 6, 7]).ReadFixed64());
        Assert.Throws<OtlpFormatException>(() => new ProtoReader([1, 2, 3]).ReadFixed32());
    }

    [Fact]
    public void ReadLengthDelimited_GivesTheSlice()
    {
        var reader = new ProtoReader([3, (byte)'a', (byte)'b', (byte)'c', 0]);

        Assert.Equal("abc"u8.ToArray(), reader.ReadLengthDelimited().ToArray());
        Assert.False(reader.End);
    }

    [Theory]
    [InlineData(new byte[] { 4, 1, 2, 3 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 1 })]
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01 })]
    public void ReadLengthDelimited_LengthPastTheEnd_Throws(byte[] bytes)
    {
        var error = Assert.Throws<OtlpFormatException>(() => new ProtoReader(bytes).ReadLengthDelimited());

        Assert.Contains("truncated", error.Message);
    }

    [Theory]
    [InlineData(ProtoReader.Varint, new byte[] { 0x96, 0x01 })]
    [InlineData(ProtoReader.Fixed64, new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 })]
    [InlineData(ProtoReader.LengthDelimited, new byte[] { 2, 9, 9 })]
    [InlineData(ProtoReader.Fixed32, new byte[] { 1, 2, 3, 4 })]
    public void Skip_EachWireType_MovesPastTheValue(int wireType, byte[] value)
    {
        byte[] bytes = [.. value, 0x08, 0x05];
        var reader = new ProtoReader(bytes);

        reader.Skip(wireType);

        Assert.Equal(5UL, ReadNextVarintField(ref reader));
    }

    private static ulong ReadNextVarintField(ref ProtoReader reader)
    {
        Assert.True(reader.TryReadTag(out int field, out int wireType));
        Assert.Equal(1, field);
        Assert.Equal(ProtoReader.Varint, wireType);
        return reader.ReadVarint();
    }

    [Theory]
    [InlineData(ProtoReader.StartGroup)]
    [InlineData(ProtoReader.EndGroup)]
    [InlineData(6)]
    [InlineData(7)]
    public void Skip_GroupOrUnknownWireType_Throws(int wireType)
    {
        Assert.Throws<OtlpFormatException>(() => new ProtoReader([0, 0, 0, 0, 0, 0, 0, 0]).Skip(wireType));
    }

    [Fact]
    public void Expect_WrongWireType_MessageNamesTheField()
    {
        var error = Assert.Throws<OtlpFormatException>(() => new ProtoReader([]).Expect(ProtoReader.Varint, ProtoReader.LengthDelimited, "span.trace_id"));

        Assert.Contains("span.trace_id", error.Message);
    }
}
