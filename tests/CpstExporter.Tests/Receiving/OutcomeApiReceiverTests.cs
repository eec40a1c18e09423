using System.Text;
using CpstExporter.Primitives;
using CpstExporter.Receiving;

namespace CpstExporter.Tests.Receiving;

public class OutcomeApiReceiverTests
{
    private static string Hex(int trace) => $"{trace:x32}";

    private static byte[] Body(int count, string? last = null)
    {
        var json = new StringBuilder("{\"outcomes\":[");
        for (int i = 1; i <= count; i++)
        {
            // Every third entry names who gave it, as a review tool does.
            string source = i % 3 == 0 ? ",\"source\":\"human\"" : "";
            json.Append(i == 1 ? "" : ",").Append($$"""{"trace_id":"{{Hex(i)}}","outcome":"{{(i % 2 == 0 ? "failed" : "success")}}"{{source}}}""");
        }
        if (last is not null) json.Append(',').Append(last);
        return Encoding.UTF8.GetBytes(json.Append("]}").ToString());
    }

    /// <summary>Answers each outcome by the trace id's remainder modulo 4, and records what it was given.</summary>
    private sealed class RecordingSink : IOutcomeSink
    {
        public List<(TraceId Id, string Outcome)> Applied { get; } = [];
        public List<(string Source, string Reason)> Given { get; } = [];
        public bool Record { get; init; } = true;

        public OutcomeDisposition Apply(TraceId traceId, ReadOnlySpan<byte> outcome, ReadOnlySpan<byte> source, ReadOnlySpan<byte> reason)
        {
            if (Record)
            {
                Applied.Add((traceId, Encoding.UTF8.GetString(outcome)));
                Given.Add((Encoding.UTF8.GetString(source), Encoding.UTF8.GetString(reason)));
            }
            return (OutcomeDisposition)(traceId.Low % 4);
        }
    }

    [Fact]
    public void CheckAndApply_ValidBody_HandsEveryOutcomeOnInOrderAndCountsTheAnswers()
    {
        var sink = new RecordingSink();
        var receiver = new OutcomeApiReceiver(sink, new ReceiverOptions(), new ReceiverCounters());

        var counts = receiver.CheckAndApply(Body(10));

        Assert.Equal(Enumerable.Range(1, 10).Select(i => (new TraceId(0, (ulong)i), i % 2 == 0 ? "failed" : "success")), sink.Applied);
        Assert.Equal((Applied: 2, Unknown: 3, Late: 3, Dropped: 2), counts);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (i % 3 == 0 ? "human" : "", "")), sink.Given);
    }

    [Fact]
    public void CheckAndApply_SourceAndReason_HandedOnAsSent()
    {
        var sink = new RecordingSink();
        var receiver = new OutcomeApiReceiver(sink, new ReceiverOptions(), new ReceiverCounters());

        receiver.CheckAndApply(Encoding.UTF8.GetBytes($$"""{"outcomes":[{"trace_id":"{{Hex(1)}}","outcome":"failed","source":"Human","reason":"wrong refund amount"}]}"""));

        Assert.Equal(("Human", "wrong refund amount"), Assert.Single(sink.Given));
    }

    [Fact]
    public void CheckAndApply_BadSourceAfterGoodEntries_AppliesNothingAndNamesTheEntry()
    {
        var sink = new RecordingSink();
        var receiver = new OutcomeApiReceiver(sink, new ReceiverOptions(), new ReceiverCounters());

        var error = Assert.Throws<FormatException>(() => receiver.CheckAndApply(Body(5, last: $$"""{"trace_id":"{{Hex(6)}}","outcome":"ok","source":"a b"}""")));

        Assert.Contains("outcomes[5].source", error.Message);
        Assert.Empty(sink.Applied);
    }

    [Fact]
    public void CheckAndApply_BadEntryAfterManyGoodOnes_AppliesNothing()
    {
        var sink = new RecordingSink();
        var receiver = new OutcomeApiReceiver(sink, new ReceiverOptions(), new ReceiverCounters());

        var error = Assert.Throws<FormatException>(() => receiver.CheckAndApply(Body(1000, last: "{}")));

        Assert.Contains("outcomes[1000].trace_id", error.Message);
        Assert.Empty(sink.Applied);
    }

    [Fact]
    public void CheckAndApply_ManyOutcomes_AllocatesNothingPerOutcome()
    {
        var receiver = new OutcomeApiReceiver(new RecordingSink { Record = false }, new ReceiverOptions(), new ReceiverCounters());
        byte[] body = Body(100_000);
        receiver.CheckAndApply(body); // the first pass compiles the code, its long loops included, which allocates a little

        long before = GC.GetAllocatedBytesForCurrentThread();
        var counts = receiver.CheckAndApply(body);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Less than a byte per outcome: one object per outcome would be millions of bytes.
        Assert.Equal(100_000, counts.Applied + counts.Unknown + counts.Late + counts.Dropped);
        Assert.True(allocated < 100_000, $"{allocated} bytes allocated for 100,000 outcomes");
    }
}
