using System.Text;
using CpstExporter.Primitives;
using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class OutcomeJsonReaderTests
{
    private const string Hex1 = "4bf92f3577b34da6a3ce929d0e0e4736";
    private const string Hex2 = "00000000000000000000000000000001";

    /// <summary>Every outcome of <paramref name="json"/>, the outcome decoded from the UTF-8 the reader hands on.</summary>
    private static List<(TraceId Id, string Outcome)> Parse(string json) => Parse(Encoding.UTF8.GetBytes(json));

    private static List<(TraceId Id, string Outcome)> Parse(byte[] json)
    {
        var outcomes = new List<(TraceId, string)>();
        var reader = new OutcomeJsonReader(json);
        try
        {
            while (reader.MoveNext()) outcomes.Add((reader.TraceId, Encoding.UTF8.GetString(reader.Outcome)));
            Assert.False(reader.MoveNext()); // and stays at the end
        }
        finally
        {
            reader.Dispose();
        }
        return outcomes;
    }

    [Fact]
    public void Read_Outcomes_InOrder()
    {
        var outcomes = Parse($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"success"},{"trace_id":"{{Hex2}}","outcome":"failed"}]}""");

        Assert.Equal(2, outcomes.Count);
        Assert.Equal((TraceId.FromBytes(Convert.FromHexString(Hex1)), "success"), outcomes[0]);
        Assert.Equal((new TraceId(0, 1), "failed"), outcomes[1]);
    }

    [Fact]
    public void Read_CamelCaseTraceIdUpperHexAndExtraFields_Accepted()
    {
        var outcomes = Parse($$$"""{"source":"review","outcomes":[{"traceId":"{{{Hex1.ToUpperInvariant()}}}","outcome":"Resolved","reviewer":"ana","detail":{"a":[1,2]}}],"after":true}""");

        var (id, outcome) = Assert.Single(outcomes);
        Assert.Equal(Hex1, id.ToString());
        Assert.Equal("Resolved", outcome);
    }

    [Fact]
    public void Read_LoneSurrogateEscapeInOutcome_ReplacementCharacterNotAnError()
    {
        var outcomes = Parse($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok\ud800"},{"trace_id":"{{Hex2}}","outcome":"\udc00\u00e9"}]}""");

        Assert.Equal(["ok\uFFFD", "\uFFFD\u00e9"], outcomes.Select(o => o.Outcome));
    }

    [Fact]
    public void Read_EmptyList_NoOutcomes()
    {
        Assert.Empty(Parse("""{"outcomes":[]}"""));
    }

    [Fact]
    public void Read_EscapedValuesAndKeys_AreUnescaped()
    {
        // "\u0034" is '4', "\u00e9" is 'é' (two bytes of UTF-8), "\u005f" is '_'.
        var outcomes = Parse($$"""{"outcomes":[{"trace\u005fid":"\u0034{{Hex1[1..]}}","outcome":"succ\u0065ss"},{"trace_id":"{{Hex2}}","outcome":"r\u00e9ussi \ud83d\ude00"}]}""");

        Assert.Equal([(TraceId.FromBytes(Convert.FromHexString(Hex1)), "success"), (new TraceId(0, 1), "réussi 😀")], outcomes);
    }

    [Fact]
    public void Read_OutcomeLongerThanItsEscapesNeed_IsWhole()
    {
        // An escaped value after a shorter one: the unescaping buffer grows and the text is not cut.
        string longText = new string('x', 5000) + "\\n";
        var outcomes = Parse($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"a\nb"},{"trace_id":"{{Hex2}}","outcome":"{{longText}}"}]}""");

        Assert.Equal("a\nb", outcomes[0].Outcome);
        Assert.Equal(new string('x', 5000) + "\n", outcomes[1].Outcome);
    }

    /// <summary>Every entry's source and reason, decoded from the UTF-8 the reader hands on.</summary>
    private static List<(string Source, string Reason)> SourcesAndReasons(string json)
    {
        var read = new List<(string, string)>();
        var reader = new OutcomeJsonReader(Encoding.UTF8.GetBytes(json));
        try
        {
            while (reader.MoveNext()) read.Add((Encoding.UTF8.GetString(reader.Source), Encoding.UTF8.GetString(reader.Reason)));
        }
        finally
        {
            reader.Dispose();
        }
        return read;
    }

    [Fact]
    public void Read_SourceAndReason_AsSent_EmptyWhenLeftOutOrNull()
    {
        var read = SourcesAndReasons($$"""
            {"outcomes":[
              {"trace_id":"{{Hex1}}","outcome":"failed","source":"human","reason":"wrong refund amount"},
              {"trace_id":"{{Hex1}}","outcome":"ok"},
              {"reason":null,"trace_id":"{{Hex1}}","source":null,"outcome":"ok"},
              {"trace_id":"{{Hex1}}","outcome":"ok","source":"ci_tests-2","reason":"tab\there \u00e9"},
              {"trace_id":"{{Hex1}}","outcome":"ok","source":"\u0068uman"}
            ]}
            """);

        Assert.Equal([("human", "wrong refund amount"), ("", ""), ("", ""), ("ci_tests-2", "tab\there é"), ("human", "")], read);
    }

    [Fact]
    public void Read_LongReason_IsCutToItsLimitOnACharacterBoundary()
    {
        // 255 bytes of 'x' then a 2-byte 'é': the character that would straddle the limit goes whole.
        string reason = new string('x', OutcomeJsonReader.MaxReasonBytes - 1) + "é" + new string('y', 10_000);
        var read = SourcesAndReasons($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","reason":"{{reason}}"},{"trace_id":"{{Hex1}}","outcome":"ok","reason":"short"}]}""");

        Assert.Equal(new string('x', OutcomeJsonReader.MaxReasonBytes - 1), read[0].Reason);
        Assert.Equal("short", read[1].Reason);
    }

    public static TheoryData<string, string> BadRequests => new()
    {
        { "", "invalid JSON" },
        { "{\"outcomes\":[", "invalid JSON" },
        { "{\"outcomes\":[{\"trace_id\":", "invalid JSON" },
        { "not json", "invalid JSON" },
        { "{\"outcomes\":[]} x", "invalid JSON" },
        { "{\"outcomes\":[]}{}", "invalid JSON" },
        { "{\"outcomes\":[],}", "invalid JSON" },
        { "{\"outcomes\":[] /* note */}", "invalid JSON" },
        { "[]", "expected {\"outcomes\"" },
        { "{}", "expected {\"outcomes\"" },
        { "{\"outcomes\":{}}", "expected {\"outcomes\"" },
        { "{\"outcomes\":null}", "expected {\"outcomes\"" },
        { "{\"outcomes\":[\"success\"]}", "outcomes[0] must be an object" },
        { "{\"outcomes\":[{}]}", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"abc","outcome":"success"}]}""", "outcomes[0].trace_id must be 32 hex digits" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1[..31]}}z","outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}0","outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"00000000000000000000000000000000","outcome":"success"}]}""", "not all zero" },
        { $$"""{"outcomes":[{"trace_id":12345,"outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":null,"outcome":"success"}]}""", "outcomes[0].trace_id" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok"},{"trace_id":"{{Hex2}}"}]}""", "outcomes[1].outcome must be a non-empty string" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"  "}]}""", "outcomes[0].outcome" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"\t\n\u00a0"}]}""", "outcomes[0].outcome must be a non-empty string" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":""}]}""", "outcomes[0].outcome must be a non-empty string" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":true}]}""", "outcomes[0].outcome" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":null}]}""", "outcomes[0].outcome" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok"},{"trace_id":"{{Hex1}}","outcome":"x"},{}]}""", "outcomes[2].trace_id" },
        // A key given twice in one object is refused, whichever spelling, rather than one value picked.
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","trace_id":"{{Hex2}}","outcome":"ok"}]}""", "outcomes[0] gives the trace id twice" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","traceId":"{{Hex1}}","outcome":"ok"}]}""", "outcomes[0] gives the trace id twice" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","outcome":"failed"}]}""", "outcomes[0] gives \"outcome\" twice" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok"}],"outcomes":[]}""", "\"outcomes\" is given twice" },
        // The source names who gave the verdict: a short word, or left out.
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok"},{"trace_id":"{{Hex1}}","outcome":"ok","source":""}]}""", "outcomes[1].source must be 1 to 32 letters" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":"human review"}]}""", "outcomes[0].source" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":"api:human"}]}""", "outcomes[0].source" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":"{{new string('a', 33)}}"}]}""", "outcomes[0].source" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":"{{new string('a', 5000)}}"}]}""", "outcomes[0].source" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":"r\u00e9viseur"}]}""", "outcomes[0].source" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":42}]}""", "outcomes[0].source" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","source":"human","source":"system"}]}""", "outcomes[0] gives \"source\" twice" },
        { $$$"""{"outcomes":[{"trace_id":"{{{Hex1}}}","outcome":"ok","reason":{"text":"x"}}]}""", "outcomes[0].reason must be a string" },
        { $$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok","reason":"a","reason":"b"}]}""", "outcomes[0] gives \"reason\" twice" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public void Read_BadRequest_FormatExceptionSaysWhatIsWrong(string json, string expected)
    {
        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.Contains(expected, error.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF, 0xFE })]
    [InlineData(new byte[] { 0xC3 })] // the first byte of two
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })] // a surrogate, which UTF-8 does not encode
    public void Read_OutcomeNotUtf8_FormatException(byte[] bytes)
    {
        byte[] json = [.. Encoding.UTF8.GetBytes($$"""{"outcomes":[{"trace_id":"{{Hex1}}","outcome":"ok"""), .. bytes, .. "\"}]}"u8];

        var error = Assert.Throws<FormatException>(() => Parse(json));

        Assert.Contains("outcomes[0].outcome", error.Message);
    }

    [Fact]
    public void Read_NestedTooDeep_FormatException()
    {
        string deep = "{\"outcomes\":" + new string('[', 40) + new string(']', 40) + "}";

        Assert.Throws<FormatException>(() => Parse(deep));
    }

    [Fact]
    public void Read_UnknownKeyNestedPastTheDepthLimit_FormatException()
    {
        string deep = "{\"outcomes\":[{\"trace_id\":\"" + Hex1 + "\",\"outcome\":\"ok\",\"x\":" + new string('[', 20) + new string(']', 20) + "}]}";

        var error = Assert.Throws<FormatException>(() => Parse(deep));

        Assert.Contains("invalid JSON", error.Message);
    }
}
