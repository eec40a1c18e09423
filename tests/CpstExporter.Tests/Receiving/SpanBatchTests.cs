using CpstExporter.Receiving;
using Xunit;

namespace CpstExporter.Tests.Receiving;

public class SpanBatchTests
{
    [Fact]
    public void RemoveLastSpan_DropsItsAttributesAndCountsTheReason()
    {
        var batch = new SpanBatch();
        int resource = batch.AddResource();
        ref SpanRecord kept = ref batch.AddSpan(resource);
        batch.AddAttribute("a"u8);
        batch.CloseSpanAttributes(ref kept);
        ref SpanRecord dropped = ref batch.AddSpan(resource);
        batch.AddAttribute("b"u8);
        batch.AddAttribute("c"u8);
        batch.CloseSpanAttributes(ref dropped);

        batch.RemoveLastSpan(RejectionReason.InvalidSpanId, "first");
        batch.RemoveLastSpan(RejectionReason.InvalidTraceId, "second");

        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(0, batch.AttributeCount);
        Assert.Equal(2, batch.RejectedSpans);
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidSpanId));
        Assert.Equal(1, batch.RejectedFor(RejectionReason.InvalidTraceId));
        Assert.Equal("first", batch.RejectionMessage);
    }

    [Fact]
    public void Clear_ResetsEverything()
    {
        var batch = new SpanBatch();
        int resource = batch.AddResource();
        batch.AddSpan(resource);
        batch.AddAttribute("k"u8);
        batch.RemoveLastSpan(RejectionReason.InvalidTraceId, "bad");

        batch.Clear();

        Assert.Equal(0, batch.SpanCount);
        Assert.Equal(0, batch.ResourceCount);
        Assert.Equal(0, batch.AttributeCount);
        Assert.Equal(0, batch.RejectedSpans);
        Assert.Equal(0, batch.RejectedFor(RejectionReason.InvalidTraceId));
        Assert.Null(batch.RejectionMessage);
    }

    [Fact]
    public void Add_PastInitialCapacity_KeepsEverything()
    {
        var batch = new SpanBatch();
        int resource = batch.AddResource();
        for (int i = 0; i < 500; i++)
        {
            ref SpanRecord span = ref batch.AddSpan(resource);
            span.SpanId = (ulong)i + 1;
            for (int a = 0; a < 5; a++)
            {
                ref AttributeRecord attribute = ref batch.AddAttribute(System.Text.Encoding.UTF8.GetBytes($"key-{i}-{a}"));
                batch.SetString(ref attribute, System.Text.Encoding.UTF8.GetBytes(new string('v', 100)));
            }
            batch.CloseSpanAttributes(ref span);
        }

        Assert.Equal(500, batch.SpanCount);
        Assert.Equal(2500, batch.AttributeCount);
        SpanRecord last = batch.Spans[499];
        Assert.Equal(500UL, last.SpanId);
        Assert.Equal("key-499-4", System.Text.Encoding.UTF8.GetString(batch.KeyOf(batch.Attributes[last.AttributeStart + 4])));
        Assert.Equal(100, batch.StringOf(batch.Attributes[last.AttributeStart + 4]).Length);
    }
}
