namespace CpstExporter.Primitives;

/// <summary>
/// The label value of each <see cref="Outcome"/>, written once: the <c>outcome</c> label of the task families, the
/// outcome of the task API and of the exporter's own <c>cpst.exporter.tasks.finished</c>.
/// </summary>
internal static class OutcomeLabels
{
    /// <summary>Indexed by the outcome.</summary>
    private static readonly string[] Values = ["unknown", "success", "failure"];

    public static string LabelValue(this Outcome outcome) => Values[(int)outcome];

    /// <summary>The outcome of a label value exactly as written (a query's <c>outcome=</c>, a series' label).</summary>
    public static bool TryParse(string? value, out Outcome outcome)
    {
        int at = Array.IndexOf(Values, value);
        outcome = at < 0 ? Outcome.Unknown : (Outcome)at;
        return at >= 0;
    }
}
