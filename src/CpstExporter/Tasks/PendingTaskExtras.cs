namespace CpstExporter.Tasks;

/// <summary>
/// What few pending tasks need: an explicit cost for the whole task, the shares of models and tools beyond the first,
/// calls held while the root is late, and verdicts from the outcome API and evaluations.
/// Held apart and made only when needed, so that the common task (one model, one tool, cost summed from its spans)
/// does not carry these fields: a million pending tasks would pay for them otherwise.
/// </summary>
internal sealed class PendingTaskExtras
{
    public decimal? TaskCostUsd;
    /// <summary>Shares of the models after the first, in order of first use.</summary>
    public ShareList? OtherModels;
    /// <summary>Shares of the tools after the first, in order of first use.</summary>
    public ShareList? OtherTools;
    public HeldCalls? Held;
    /// <summary>How the first model's calls were priced, once they were not all priced alike (<see cref="ModelPricingMixed"/>).</summary>
    public PricingMix ModelPricing;
    public bool ModelPricingMixed;
    /// <summary>The outcome API's verdict, the latest one posted.</summary>
    public ApiVerdict? Api;
    /// <summary>Evaluations of the task, one per name, at most <see cref="OutcomePolicy.MaxEvaluationsPerTask"/>.</summary>
    public List<EvaluationVerdict>? Evaluations;

    /// <summary>Empties the extras for the task object's next use, keeping the share lists' room.</summary>
    public void Clear()
    {
        TaskCostUsd = null;
        OtherModels?.Clear();
        OtherTools?.Clear();
        Held = null;
        ModelPricing = default;
        ModelPricingMixed = false;
        Api = null;
        Evaluations?.Clear();
    }
}
