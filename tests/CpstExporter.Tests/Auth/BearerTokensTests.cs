using CpstExporter.Auth;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Tests.Auth;

public sealed class BearerTokensTests
{
    private static BearerCheck Check(BearerTokens tokens, string? authorization)
    {
        var context = new DefaultHttpContext();
        if (authorization is not null) context.Request.Headers.Authorization = authorization;
        return tokens.Check(context.Request);
    }

    [Fact]
    public void Check_NoTokensConfigured_AllowsEverything()
    {
        var tokens = new BearerTokens([]);
        Assert.False(tokens.Required);
        Assert.Equal(BearerCheck.Allowed, Check(tokens, null));
        Assert.Equal(BearerCheck.Allowed, Check(tokens, "Bearer anything"));
    }

    [Theory]
    [InlineData("Bearer short", "Allowed")]
    [InlineData("Bearer a-much-longer-token-value", "Allowed")]
    [InlineData("bearer short", "Allowed")]
    [InlineData("BEARER   short  ", "Allowed")]
    [InlineData("Bearer größe", "Allowed")]
    [InlineData(null, "Missing")]
    [InlineData("", "Missing")]
    [InlineData("Bearer", "Invalid")]
    [InlineData("Bearer ", "Invalid")]
    [InlineData("Bearer shor", "Invalid")]
    [InlineData("Bearer shortt", "Invalid")]
    [InlineData("Bearer short\0", "Invalid")]
    [InlineData("Bearer SHORT", "Invalid")]
    [InlineData("Bearer a-much-longer-token-valu", "Invalid")]
    [InlineData("Bearer a-much-longer-token-value-and-more", "Invalid")]
    [InlineData("Bearer  short", "Allowed")]
    [InlineData("Bearer short ", "Allowed")]
    [InlineData("Bearer sh ort", "Invalid")]
    [InlineData("Bearer\tshort", "Missing")]
    [InlineData("Bearershort", "Missing")]
    [InlineData("Bearer Short", "Invalid")]
    [InlineData("Bearer GRÖSSE", "Invalid")]
    [InlineData("Basic short", "Missing")]
    [InlineData("Basic c2hvcnQ6c2hvcnQ=", "Missing")]
    [InlineData("Digest username=\"short\"", "Missing")]
    [InlineData("short", "Missing")]
    public void Check_Header_MatchesExactlyOneConfiguredToken(string? header, string expected)
    {
        var tokens = new BearerTokens(["short", "a-much-longer-token-value", "größe"]);
        Assert.Equal(Enum.Parse<BearerCheck>(expected), Check(tokens, header));
    }

    [Fact]
    public void Matches_TokenThatIsAPrefixPaddedWithZeros_IsRefused()
    {
        // The comparison pads to the longest token; the length check keeps "ab" from matching "ab\0\0".
        var tokens = new BearerTokens(["ab", "abcd"]);
        Assert.True(tokens.Matches("ab"));
        Assert.False(tokens.Matches("ab\0\0"));
        Assert.False(tokens.Matches("ab\0"));
    }
}
