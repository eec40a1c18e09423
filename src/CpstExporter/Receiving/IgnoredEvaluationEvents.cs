namespace CpstExporter.Receiving;

/// <summary>
/// The <c>gen_ai.evaluation.result</c> span events of one span that could not be used, kept while the span is read and
/// reported only once the span is accepted: a refused span's events go with it.
/// </summary>
internal struct IgnoredEvaluationEvents
{
    private int _count;
    private IgnoredLogRecordReason _first;

    public void Add(IgnoredLogRecordReason reason)
    {
        if (_count++ == 0) _first = reason;
    }

    /// <summary>Counts them as ignored attributes of the span, named in the answer's partial-success message.</summary>
    public readonly void Report(SpanBatch batch)
    {
        if (_count > 0) batch.Ignore(IgnoredAttributeReason.InvalidEvaluationEvent, _count, "span " + _first.Problem() + "; the span counted");
    }
}
