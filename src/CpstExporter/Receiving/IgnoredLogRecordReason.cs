namespace CpstExporter.Receiving;

/// <summary>
/// Why an OTLP log record was accepted and ignored: the <c>reason</c> label of <c>cpst_ignored_log_records_total</c>
/// (docs/operations.md, "Evaluation events"). The exporter reads log records only for <c>gen_ai.evaluation.result</c>
/// events; every other reason is an evaluation event it could not use.
/// </summary>
internal enum IgnoredLogRecordReason
{
    /// <summary>Another event name, or none: an ordinary log record.</summary>
    NotEvaluation = 0,
    /// <summary>An evaluation event without a trace id (absent, empty or all zero): no task to judge.</summary>
    NoTraceId = 1,
    /// <summary>An evaluation event whose trace id is not 16 bytes (32 hex digits in JSON).</summary>
    InvalidTraceId = 2,
    /// <summary>An evaluation event without <c>gen_ai.evaluation.name</c> as a non-empty string.</summary>
    NoEvaluationName = 3,
    /// <summary>An evaluation event with neither <c>gen_ai.evaluation.score.label</c> nor <c>gen_ai.evaluation.score.value</c>: no verdict.</summary>
    NoScore = 4,
    /// <summary>A score value that is not a finite number (a string, a bool, NaN), or a label that is not a string.</summary>
    InvalidScore = 5,
    /// <summary>A name or label longer than <see cref="EvaluationEvent.MaxValueBytes"/> bytes of UTF-8.</summary>
    TooLong = 6,
}
