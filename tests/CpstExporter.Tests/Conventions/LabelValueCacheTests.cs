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
}
