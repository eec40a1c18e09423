namespace CpstExporter.Tasks;

/// <summary>
/// What arrived for a trace not seen yet, held for the outcome window: the outcome API's verdict and evaluations (at
/// most <see cref="OutcomePolicy.MaxEvaluationsPerTask"/>), handed to the task when its first span arrives.
/// </summary>
internal sealed class HeldVerdicts
{
    public ApiVerdict? Api;
    public List<EvaluationVerdict>? Evaluations;
}
