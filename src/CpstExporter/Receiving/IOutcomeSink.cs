namespace CpstExporter.Receiving;

/// <summary>Where the outcome API hands each (trace id, outcome) pair.</summary>
internal interface IOutcomeSink
{
    OutcomeDisposition Apply(TraceId traceId, string outcome);
}

/// <summary>What became of one outcome, as the outcome API reports it back.</summary>
internal enum OutcomeDisposition
{
    Applied,
    /// <summary>Trace not seen yet: held for the outcome window.</summary>
    Unknown,
    Late,
    Dropped,
}
