namespace CpstExporter.Receiving;

/// <summary>Why a span of an otherwise valid request was refused: the <c>reason</c> label of <c>cpst_rejected_spans_total</c>.</summary>
internal enum RejectionReason
{
    InvalidTraceId = 0,
    InvalidSpanId = 1,
    /// <summary>A token count or cost outside the plausible range (DESIGN.md §3): refused by the pipeline, not the reader.</summary>
    ImplausibleUsage = 2,
}
