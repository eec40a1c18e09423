namespace CpstExporter.Receiving;

/// <summary>
/// The GenAI semantic conventions' <c>gen_ai.evaluation.result</c> event as the readers recognise it: a span event of
/// that name, or a log record whose <c>event_name</c> field (or, without it, whose <c>event.name</c> attribute) is that
/// name (docs/operations.md, "Evaluation events"). Only its name, label and score are read;
/// <c>gen_ai.evaluation.explanation</c>, free text for people, is skipped unread.
/// </summary>
internal static class EvaluationEvent
{
    /// <summary>
    /// Longest name or label kept, in bytes of UTF-8: the longest label value (<c>Conventions/LabelValueCache</c>), since
    /// the name is the <c>evaluation</c> label of <c>cpst_evaluations_total</c>. A longer one is ignored, not cut: a cut
    /// name could merge two evaluations, and a cut label is not what the evaluator said.
    /// </summary>
    public const int MaxValueBytes = 128;

    public static ReadOnlySpan<byte> Name => "gen_ai.evaluation.result"u8;

    public static ReadOnlySpan<byte> EventNameKey => "event.name"u8;
    public static ReadOnlySpan<byte> NameKey => "gen_ai.evaluation.name"u8;
    public static ReadOnlySpan<byte> LabelKey => "gen_ai.evaluation.score.label"u8;
    public static ReadOnlySpan<byte> ScoreKey => "gen_ai.evaluation.score.value"u8;

    /// <summary>Which kept attribute <paramref name="key"/> (UTF-8) names, if any.</summary>
    public static EvaluationAttribute Match(ReadOnlySpan<byte> key) =>
        key.SequenceEqual(NameKey) ? EvaluationAttribute.Name
        : key.SequenceEqual(LabelKey) ? EvaluationAttribute.Label
        : key.SequenceEqual(ScoreKey) ? EvaluationAttribute.Score
        : key.SequenceEqual(EventNameKey) ? EvaluationAttribute.EventName
        : EvaluationAttribute.None;
}
