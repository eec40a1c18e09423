namespace CpstExporter.Tasks;

/// <summary>The <c>source</c> label of <c>cpst_outcomes_by_source_total</c> and the task API's <c>outcome_source</c>.</summary>
internal static class OutcomeSourceLabels
{
    /// <summary>Every label value, in the order <c>/metrics</c> lists them.</summary>
    public static readonly string[] All = ["span", "error", "api", "evaluation", "window"];

    public static string LabelValue(this OutcomeSource source) => source switch
    {
        OutcomeSource.Span or OutcomeSource.Root => "span",
        OutcomeSource.Error => "error",
        OutcomeSource.Api => "api",
        OutcomeSource.Evaluation => "evaluation",
        _ => "window",
    };
}
