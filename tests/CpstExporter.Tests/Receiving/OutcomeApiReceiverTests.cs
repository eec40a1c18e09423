using System.Text;
using CpstExporter.Primitives;
using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class OutcomeApiReceiverTests
{
    private const string Hex1 = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string Hex2 = "00000000000000000000000000000001";

    private static List<(TraceId Id, string Outcome)> Parse(string json) => OutcomeApiReceiver.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Parse_Outcomes_InOrder()
    {
        var outcomes = Parse($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"success"},{"trace_id":"{{Hex2}}","outcome":"failed"}]}""");

        Assert.Equal(2, outcomes.Count);
        Assert.Equal((TraceId.FromBytes(Convert.FromHexString(Hex1)), "success"), outcomes[0]);
        Assert.Equal((new TraceId(0, 1), "failed"), outcomes[1]);
    }

    [Fact]
    public void Parse_CamelCaseTraceIdUpperHexAndExtraFields_Accepted()
    {
        var outcomes = Parse($$"""{"source":"review","outcomes":[{"traceId":"{{Hex1.ToUpperInvariant()}}","outcome":"Resolved","reviewer":"ana"}]}""");

        var (id, outcome) = Assert.Single(outcomes);
        Assert.Equal(Hex1, id.ToString());
        Assert.Equal("Resolved", outcome);
    }

    [Fact]
    public void Parse_LoneSurrogateInOutcome_ReplacementCharacterNotAnError()
    {
        var outcomes = Parse($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok\ud800"}]}""");

        Assert.Equal("ok\uFFFD", Assert.Single(outcomes).Outcome);
    }

    [Fact]
    public void Parse_EmptyList_NoOutcomes()
    {
        Assert.Empty(Parse("""{"outcomes":[]}"""));
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { "", "invalid JSON" },
        { "{\"outcomes\":[", "invalid JSON" },
        { "not json", "invalid JSON" },
        { "[]", "expected {\"outcomes\"" },
        { "{}", "expected {\"outcomes\"" },
        { "{\"outcomes\":{}}", "expected {\"outcomes\"" },
        { "{\"outcomes\":[\"success\"]}", "outcomes[0] must be an object" },
        { $$"""{"outcomes":[{"outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"abc","outcome":"success"}]}""", "outcomes[0].trace_id must be 32 hex digits" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1[..31]}}z","outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"00000000000000000000000000000000","outcome":"success"}]}""", "not all zero" },
        { $$"""{"outcomes":[{"trace_id":12345,"outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok"},{"trace_id":"{{Hex2}}"}]}""", "outcomes[1].outcome must be a non-empty string" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"  "}]}""", "outcomes[0].outcome" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":true}]}""", "outcomes[0].outcome" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Parse_BadRequest_FormatExceptionSaysWhatIsWrong(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Parse_NestedTooDeep_FormatException()
    {
        string deep = "{\"outcomes\":" + new string('[', 40) + new string(']', 40) + "}";

        Assert.Throws<FormatException>(() => Parse(deep));
    }
}
