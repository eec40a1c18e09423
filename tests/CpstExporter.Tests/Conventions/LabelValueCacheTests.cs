using System.Text;
using CpstExporter.Conventions;

namespace CpstExporter.Tests.Conventions;

public class LabelValueCacheTests
{
    [Fact]
    public void Get_EqualBytesFromDifferentBuffers_ReturnsTheSameInstance()
    {
        var cache = new LabelValueCache();
        byte[] first = Encoding.UTF8.GetBytes("customer-support");
        byte[] second = Encoding.UTF8.GetBytes("customer-support");

        string a = cache.Get(first);
        string b = cache.Get(second);

        Assert.Equal("customer-support", a);
        Assert.Same(a, b);
    }

    [Fact]
    public void Get_DifferentBytes_ReturnsDifferentValues()
    {
        var cache = new LabelValueCache();

        Assert.Equal("gpt-4o", cache.Get("gpt-4o"u8));
        Assert.Equal("gpt-4o-mini", cache.Get("gpt-4o-mini"u8));
        Assert.Equal("", cache.Get(""u8));
    }

    [Fact]
    public void Get_NonAsciiValue_IsDecodedAsUtf8()
    {
        var cache = new LabelValueCache();

        Assert.Equal("réservation-助手", cache.Get(Encoding.UTF8.GetBytes("réservation-助手")));
    }

    [Fact]
    public void Get_ExactlyMaxBytes_IsKeptWhole()
    {
        string value = new('a', LabelValueCache.MaxValueBytes);

        Assert.Equal(value, new LabelValueCache().Get(Encoding.UTF8.GetBytes(value)));
    }

    [Fact]
    public void Get_LongerThanMaxBytes_IsCutToMaxBytes()
    {
        string value = new('a', 300);

        string cut = new LabelValueCache().Get(Encoding.UTF8.GetBytes(value));

        Assert.Equal(new string('a', LabelValueCache.MaxValueBytes), cut);
    }

    [Theory]
    [InlineData("é", 127)]        // 2 bytes straddling byte 128: both dropped
    [InlineData("€", 127)]        // 3 bytes starting at byte 127
    [InlineData("😀", 127)]       // 4 bytes starting at byte 127
    [InlineData("😀", 126)]       // 4 bytes starting at byte 126
    [InlineData("é", 126)]        // 2 bytes ending exactly at byte 128: kept
    public void Get_CutInsideMultiByteCharacter_CutsBeforeThatCharacter(string character, int asciiPrefix)
    {
        string value = new string('a', asciiPrefix) + character + "tail";
        byte[] bytes = Encoding.UTF8.GetBytes(value);

        string cut = new LabelValueCache().Get(bytes);

        byte[] cutBytes = Encoding.UTF8.GetBytes(cut);
        Assert.True(cutBytes.Length <= LabelValueCache.MaxValueBytes);
        Assert.Equal(bytes.AsSpan(0, cutBytes.Length).ToArray(), cutBytes); // a prefix, no replacement character
        Assert.DoesNotContain('\uFFFD', cut);
        int characterEnd = asciiPrefix + Encoding.UTF8.GetByteCount(character);
        Assert.Equal(characterEnd <= LabelValueCache.MaxValueBytes ? characterEnd : asciiPrefix, cutBytes.Length);
    }

    [Fact]
    public void Get_LongValuesSharingTheFirstMaxBytes_ReturnTheSameInstance()
    {
        var cache = new LabelValueCache();
        string prefix = new('x', LabelValueCache.MaxValueBytes);

        string a = cache.Get(Encoding.UTF8.GetBytes(prefix + "-first"));
        string b = cache.Get(Encoding.UTF8.GetBytes(prefix + "-second"));

        Assert.Same(a, b);
        Assert.Equal(prefix, a);
    }

    [Fact]
    public void Get_PastCapacity_StillDecodesCorrectly()
    {
        var cache = new LabelValueCache();
        for (int i = 0; i < LabelValueCache.Capacity; i++) cache.Get(Encoding.UTF8.GetBytes($"value-{i}"));

        string late = cache.Get("not-kept"u8);

        Assert.Equal("not-kept", late);
        Assert.Same(cache.Get("value-7"u8), cache.Get("value-7"u8));
    }

    public static TheoryData<byte[], string> HostileValues => new()
    {
        { [(byte)'a', 0xFF, 0xFE, (byte)'b'], "a\uFFFD\uFFFDb" },                  // bytes that start no character
        { [(byte)'a', 0xC3, (byte)'('], "a\uFFFD(" },                              // a lead byte without its continuation
        { [0xED, 0xA0, 0x80], "\uFFFD\uFFFD\uFFFD" },                              // a surrogate encoded as UTF-8 (CESU-8)
        { [0xC0, 0xAF], "\uFFFD\uFFFD" },                                          // an overlong '/'
        { [(byte)'x', 0xE2, 0x82], "x\uFFFD" },                                    // cut inside a character at the end
        { Encoding.UTF8.GetBytes("nul\0tab\tcr\rlf\nesc\u001b[31mdel\u007f"), "nul\uFFFDtab\uFFFDcr\uFFFDlf\uFFFDesc\uFFFD[31mdel\uFFFD" },
        { Encoding.UTF8.GetBytes("nel\u0085c1\u009fls\u2028ps\u2029"), "nel\uFFFDc1\uFFFDls\uFFFDps\uFFFD" },
        { Encoding.UTF8.GetBytes("quote\"back\\slash é 模型 😀"), "quote\"back\\slash é 模型 😀" }, // printable: kept as it is
    };

    [Theory]
    [MemberData(nameof(HostileValues))]
    public void Get_InvalidUtf8AndControlCharacters_BecomeReplacementCharacters(byte[] utf8, string expected)
    {
        var cache = new LabelValueCache();

        Assert.Equal(expected, cache.Get(utf8));
        Assert.Equal(expected, LabelValueCache.Decode(utf8));
        Assert.Same(cache.Get(utf8), cache.Get(utf8.ToArray()));
    }

    [Fact]
    public void Get_LongInvalidValue_ReplacedThenCutToMaxBytes()
    {
        // 300 continuation bytes: each a replacement of three bytes, so 42 of them fit.
        byte[] utf8 = Enumerable.Repeat((byte)0x80, 300).ToArray();

        string value = new LabelValueCache().Get(utf8);

        Assert.Equal(new string('\uFFFD', LabelValueCache.MaxValueBytes / 3), value);
    }

    [Fact]
    public void Get_LongValueOfControlCharacters_CutAtACharacterBoundaryOfTheResult()
    {
        byte[] utf8 = Encoding.UTF8.GetBytes("a" + new string('\t', 200));

        string value = new LabelValueCache().Get(utf8);

        Assert.Equal("a" + new string('\uFFFD', (LabelValueCache.MaxValueBytes - 1) / 3), value);
        Assert.True(Encoding.UTF8.GetByteCount(value) <= LabelValueCache.MaxValueBytes);
    }
}
