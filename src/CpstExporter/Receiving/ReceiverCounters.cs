namespace CpstExporter.Receiving;

/// <summary>
/// What the receivers took and turned away: <c>cpst_received_spans_total</c>, <c>cpst_rejected_spans_total</c>,
/// <c>cpst_ignored_attributes_total</c>, <c>cpst_ignored_log_records_total</c> and <c>cpst_rejected_requests_total</c>. Receiving counts them where it decides them and the exposition reads them,
/// so no receiver reaches into a later stage to report a refusal.
/// </summary>
internal sealed class ReceiverCounters
{
    private static readonly RejectionReason[] Reasons = Enum.GetValues<RejectionReason>();
    private static readonly IgnoredAttributeReason[] IgnoredReasons = Enum.GetValues<IgnoredAttributeReason>();
    private static readonly IgnoredLogRecordReason[] IgnoredLogRecordReasons = Enum.GetValues<IgnoredLogRecordReason>();

    /// <summary>Spans accepted, by protocol.</summary>
    public LabeledCounter<Protocol> ReceivedSpans { get; } = new(ProtocolLabels.LabelValue);

    /// <summary>Spans refused in otherwise valid requests, by reason.</summary>
    public LabeledCounter<RejectionReason> RejectedSpans { get; } = new(RejectionReasonLabels.LabelValue);

    /// <summary>Attributes of accepted spans ignored while the spans' other facts counted, by reason.</summary>
    public LabeledCounter<IgnoredAttributeReason> IgnoredAttributes { get; } = new(IgnoredAttributeReasonLabels.LabelValue);

    /// <summary>Log records accepted and ignored (not evaluation events, or unusable ones), by reason.</summary>
    public LabeledCounter<IgnoredLogRecordReason> IgnoredLogRecords { get; } = new(IgnoredLogRecordReasonLabels.LabelValue);

    /// <summary>Export and outcome requests refused whole, by reason.</summary>
    public LabeledCounter<RequestRejection> RejectedRequests { get; } = new(RequestRejectionLabels.LabelValue);

    /// <summary>
    /// Counts a request the pipeline has consumed: its spans that every stage accepted, under the protocol they came
    /// by, and those refused (by the reader or a later stage), by reason; and the log records ignored.
    /// </summary>
    public void Consumed(SpanBatch batch, Protocol protocol)
    {
        ReceivedSpans.Add(protocol, batch.AcceptedSpans);
        if (batch.IgnoredAttributes > 0)
            foreach (IgnoredAttributeReason reason in IgnoredReasons) IgnoredAttributes.Add(reason, batch.IgnoredFor(reason));
        if (batch.IgnoredLogRecords > 0)
            foreach (IgnoredLogRecordReason reason in IgnoredLogRecordReasons) IgnoredLogRecords.Add(reason, batch.IgnoredFor(reason));
        if (batch.RejectedSpans == 0) return;
        foreach (RejectionReason reason in Reasons) RejectedSpans.Add(reason, batch.RejectedFor(reason));
    }
}
