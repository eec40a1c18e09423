namespace CpstExporter.Receiving;

/// <summary>What became of one outcome, as the outcome API reports it back.</summary>
internal enum OutcomeDisposition
{
    Applied,
    /// <summary>Trace not seen yet: held for the outcome window.</summary>
    Unknown,
    Late,
    Dropped,
}
