using CpstExporter.Primitives;

namespace CpstExporter.Receiving;

/// <summary>
/// One usable evaluation event of a request: its trace, its name and label (slices of the owning
/// <see cref="SpanBatch"/>'s arena; a label of length 0 is none) and its score, if it had one.
/// </summary>
internal struct EvaluationRecord
{
    public TraceId TraceId;
    public int NameOffset;
    public int NameLength;
    public int LabelOffset;
    public int LabelLength;
    public bool HasScore;
    public double Score;
}
