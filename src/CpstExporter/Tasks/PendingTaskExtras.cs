namespace CpstExporter.Tasks;

/// <summary>
/// What few pending tasks need: an explicit cost for the whole task, and the cost shares of models beyond the first.
/// Held apart and made only when needed, so that the common task (one model, cost summed from its spans) does not
/// carry these fields: a million pending tasks pay 24 bytes each for them otherwise.
/// </summary>
internal sealed class PendingTaskExtras
{
    public decimal? TaskCostUsd;
    public List<(string Model, decimal CostUsd, int Calls)>? OtherModels;
}
