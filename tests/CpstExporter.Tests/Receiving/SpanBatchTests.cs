using CpstExporter.Receiving;

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
    public void Ignore_AttributesOfAcceptedSpans_APartialSuccessWithNoSpanRejected_NamedBesideARefusal()
    {
        var batch = new SpanBatch();

        batch.Ignore(IgnoredAttributeReason.ImplausibleCost, 2, "cost ignored");
        batch.Ignore(IgnoredAttributeReason.UnknownCurrency, 1, "currency ignored");

        Assert.True(batch.IsPartialSuccess);
        Assert.Equal((0, 3), (batch.RejectedSpans, batch.IgnoredAttributes));
        Assert.Equal((2, 1, 0), (batch.IgnoredFor(IgnoredAttributeReason.ImplausibleCost), batch.IgnoredFor(IgnoredAttributeReason.UnknownCurrency),
            batch.IgnoredFor(IgnoredAttributeReason.UnknownServiceTier)));
        Assert.Equal("cost ignored", batch.RejectionMessage);

        batch.Reject(RejectionReason.ImplausibleUsage, 1, "span refused");

        Assert.Equal("span refused; cost ignored", batch.RejectionMessage);
        batch.Clear();
        Assert.False(batch.IsPartialSuccess);
        Assert.Equal(0, batch.IgnoredFor(IgnoredAttributeReason.ImplausibleCost));
        Assert.Null(batch.RejectionMessage);
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

    [Fact]
    public void StartDecoding_BudgetIsPerReceivedByte_TheRecordThatWouldOverdrawItThrows()
    {
        var batch = new SpanBatch();
        batch.StartDecoding(1000);
        long budget = 1000L * SpanBatch.DecodedBytesPerReceivedByte + SpanBatch.DecodeAllowance;
        int attribute = System.Runtime.CompilerServices.Unsafe.SizeOf<AttributeRecord>();
        long fit = budget / attribute;
        for (long i = 0; i < fit; i++) batch.AddAttribute(0, 0);

        Assert.Equal(fit * attribute, batch.DecodedBytes);
        var error = Assert.Throws<RequestTooLargeException>(() => batch.AddAttribute(0, 0));
        Assert.Contains("once decoded", error.Message);
        Assert.Contains($"more than {budget} bytes", error.Message);
    }

    [Fact]
    public void StartDecoding_LargeRequest_IsCappedAtTheCeiling()
    {
        var batch = new SpanBatch(maxDecodedBytes: 100_000);
        batch.StartDecoding(10_000_000);

        batch.AddAttribute(new byte[90_000]);
        Assert.Throws<RequestTooLargeException>(() => batch.AddAttribute(new byte[20_000]));
    }

    [Fact]
    public void Add_PastTheBudget_ArraysNeverGrowPastWhatTheBudgetCouldFill()
    {
        var batch = new SpanBatch();
        batch.StartDecoding(1_000_000); // a budget of about 4 MB
        long budget = 1_000_000L * SpanBatch.DecodedBytesPerReceivedByte + SpanBatch.DecodeAllowance;

        void FillWithEmptyAttributes()
        {
            while (true) batch.AddAttribute(0, 0);
        }
        Assert.Throws<RequestTooLargeException>(FillWithEmptyAttributes);

        // Doubling alone would have made room for 131,072 attributes (5 MB); the last growth stopped at the budget.
        Assert.True(batch.CapacityBytes <= budget + new SpanBatch().CapacityBytes, $"{batch.CapacityBytes} bytes of arrays for a budget of {budget}");
    }

    [Fact]
    public void Clear_RestoresTheCeilingAsTheBudget()
    {
        var batch = new SpanBatch(maxDecodedBytes: 1_000_000);
        batch.StartDecoding(0);
        Assert.Throws<RequestTooLargeException>(() => batch.AddAttribute(new byte[SpanBatch.DecodeAllowance]));

        batch.Clear();

        batch.AddAttribute(new byte[500_000]);
        Assert.Equal(500_000 + System.Runtime.CompilerServices.Unsafe.SizeOf<AttributeRecord>(), batch.DecodedBytes);
    }
}
