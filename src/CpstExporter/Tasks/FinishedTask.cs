namespace CpstExporter.Tasks;

/// <summary>
/// A finished task as remembered for late spans, late outcomes and duplicates of its spans: its labels and its span
/// table. A mutable struct, updated in place in the map as late spans arrive.
/// </summary>
internal struct FinishedTask(TaskLabels labels, SpanTable spans)
{
    public readonly TaskLabels Labels = labels;
    public SpanTable Spans = spans;
}
