namespace CpstExporter.Tasks;

/// <summary>
/// What few pending tasks need: an explicit cost for the whole task, the cost shares of models beyond the first, and
/// calls held while the root is late.
/// Held apart and made only when needed, so that the common task (one model, cost summed from its spans) does not
/// carry these fields: a million pending tasks would pay 32 bytes each for them otherwise.
/// </summary>
internal sealed class PendingTaskExtras
{
    public decimal? TaskCostUsd;
    public List<(string Model, decimal CostUsd, int Calls)>? OtherModels;
    public List<HeldCall>? Held;
}
