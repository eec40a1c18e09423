namespace CpstExporter.Tasks;

internal enum FinishReason : byte
{
    /// <summary>Had an outcome and no span or outcome for the settle time.</summary>
    Settled,
    /// <summary>No outcome within the outcome window.</summary>
    OutcomeWindowElapsed,
    /// <summary>Finished early to make room: the pending limit was reached.</summary>
    Evicted,
}
