using CpstExporter.Billing.Focus;

namespace CpstExporter.Tests.Billing.Focus;

/// <summary>RFC 4180 as exports write it, read through buffers of every small size so each case also crosses a refill.</summary>
public sealed class CsvRecordReaderTests
{
    private static List<string[]> ReadAll(string csv, int bufferChars, int maxFieldLength = 1000)
    {
        var reader = new CsvRecordReader(new StringReader(csv), maxFieldLength, bufferChars);
        var records = new List<string[]>();
        while (reader.Read())
        {
            var fields = new string[reader.FieldCount];
            for (int i = 0; i < fields.Length; i++) fields[i] = reader.Field(i).ToString();
            records.Add(fields);
        }
        return records;
    }

    public static TheoryData<string, string[][]> Cases => new()
    {
        { "a,b,c\n1,2,3\n", [["a", "b", "c"], ["1", "2", "3"]] },
        { "a,b\r\n1,2\r\n", [["a", "b"], ["1", "2"]] },
        { "a,b\r1,2", [["a", "b"], ["1", "2"]] },
        { "a,b\n1,2", [["a", "b"], ["1", "2"]] },
        { "a,\"b,c\",d\n", [["a", "b,c", "d"]] },
        { "\"say \"\"hi\"\"\",x\n", [["say \"hi\"", "x"]] },
        { "\"two\nlines\",\"and\r\nthree\r\nhere\"\n", [["two\nlines", "and\r\nthree\r\nhere"]] },
        { "\"\",,\"\"\n", [["", "", ""]] },
        { "a,b,\n", [["a", "b", ""]] },
        { "a\n\n\r\nb\n", [["a"], ["b"]] },
        { "5 \"inch\" screen,x\n", [["5 \"inch\" screen", "x"]] },
        { "\"ends with a quote\"\"\"", [["ends with a quote\""]] },
        { "{\"\"k\"\":1}", [["{\"\"k\"\":1}"]] },
        { "", [] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Read_Rfc4180Text_GivesItsFields(string csv, string[][] expected)
    {
        foreach (int bufferChars in new[] { 1, 2, 3, 5, 64 * 1024 })
            Assert.Equal(expected, ReadAll(csv, bufferChars));
    }

    [Fact]
    public void Read_RecordAfterQuotedLineBreaks_KnowsItsLine()
    {
        var reader = new CsvRecordReader(new StringReader("h\n\"a\nb\nc\"\r\nnext\n"), 100, 4);

        Assert.True(reader.Read());
        Assert.True(reader.Read());
        Assert.Equal(2, reader.Line);
        Assert.True(reader.Read());
        Assert.Equal(5, reader.Line);
        Assert.False(reader.Read());
    }

    [Fact]
    public void Read_UnclosedQuote_IsRefused()
    {
        var refused = Assert.Throws<FocusFileException>(() => ReadAll("a,b\n1,\"open\n2,3\n", 4));

        Assert.Equal("the file ends inside the quoted field that starts on line 2", refused.Message);
    }

    [Fact]
    public void Read_TextAfterAClosingQuote_IsRefused()
    {
        var refused = Assert.Throws<FocusFileException>(() => ReadAll("\"a\"b,c\n", 64));

        Assert.StartsWith("line 1: a quoted field is followed by 'b'", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_FieldLongerThanTheLimit_IsRefusedQuotedOrNot()
    {
        Assert.Equal(["12345"], ReadAll("12345", 2, maxFieldLength: 5)[0]);
        Assert.Throws<FocusFileException>(() => ReadAll("123456", 2, maxFieldLength: 5));
        Assert.Throws<FocusFileException>(() => ReadAll("\"12\"\"345\"", 2, maxFieldLength: 5));
    }

    [Fact]
    public void Read_MoreFieldsThanMaxColumns_IsRefused()
    {
        string record = string.Join(',', Enumerable.Repeat("x", CsvRecordReader.MaxColumns + 1));

        Assert.Single(ReadAll(string.Join(',', Enumerable.Repeat("x", CsvRecordReader.MaxColumns)), 64));
        Assert.Throws<FocusFileException>(() => ReadAll(record, 64));
    }
}
