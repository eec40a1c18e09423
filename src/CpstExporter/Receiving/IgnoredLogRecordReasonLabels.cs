namespace CpstExporter.Receiving;

/// <summary>
/// The label value of each <see cref="IgnoredLogRecordReason"/>, written once: <c>cpst_ignored_log_records_total{reason}</c>
/// and <c>cpst.reason</c>; and what the client is told when an evaluation event was ignored.
/// </summary>
internal static class IgnoredLogRecordReasonLabels
{
    /// <summary>Indexed by the value.</summary>
    private static readonly string[] Values =
        ["not_evaluation", "no_trace_id", "invalid_trace_id", "no_evaluation_name", "no_score", "invalid_score", "too_long"];

    /// <summary>Indexed by the value: the partial-success message of an evaluation event ignored for that reason.</summary>
    private static readonly string[] Problems =
    [
        "",
        "gen_ai.evaluation.result event without a trace id was ignored: an evaluation judges the task of its trace",
        "gen_ai.evaluation.result event with a trace id that is not 16 bytes was ignored",
        "gen_ai.evaluation.result event without gen_ai.evaluation.name was ignored",
        "gen_ai.evaluation.result event with neither gen_ai.evaluation.score.label nor gen_ai.evaluation.score.value was ignored",
        "gen_ai.evaluation.result event whose gen_ai.evaluation.score.value is not a finite number, or whose score.label is not a string, was ignored",
        $"gen_ai.evaluation.result event whose gen_ai.evaluation.name or score.label is longer than {EvaluationEvent.MaxValueBytes} bytes was ignored",
    ];

    public static string LabelValue(this IgnoredLogRecordReason value) => Values[(int)value];

    /// <summary>What to tell the sender; empty for <see cref="IgnoredLogRecordReason.NotEvaluation"/>, which is no mistake.</summary>
    public static string Problem(this IgnoredLogRecordReason value) => Problems[(int)value];
}
