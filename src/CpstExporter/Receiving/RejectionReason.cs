namespace CpstExporter.Receiving;

/// <summary>Why a span of an otherwise valid request was refused: the <c>reason</c> label of <c>cpst_rejected_spans_total</c>.</summary>
internal enum RejectionReason
{
    InvalidTraceId = 0,
    InvalidSpanId = 1,
    /// <summary>A token count or cost outside the plausible range (docs/conventions.md): refused by the pipeline, not the reader.</summary>
    ImplausibleUsage = 2,
    /// <summary>
    /// A span that would start a new task after its request had already finished its share of pending tasks early at
    /// <c>Cpst:Tasks:MaxPending</c>: refused by the task stage, so one request cannot evict every other client's tasks.
    /// </summary>
    PendingLimit = 3,
}
