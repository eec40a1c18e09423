using System.Runtime.CompilerServices;
using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>
/// Applies verdicts that arrive apart from the spans: outcomes from the outcome API and evaluations. Each goes to the
/// pending task of its trace, or is held for a trace not seen yet, or is counted late when the task already finished.
/// Called under <see cref="TaskAssembler"/>'s lock.
/// </summary>
/// <remarks>
/// Only a verdict that makes a task decided under its policy moves its deadline (it then settles): a later one replaces
/// the verdict (a review corrected) but does not move it, so re-posting cannot keep a task pending, or grow the
/// held-outcome queue, without end. A task keeps at most <see cref="OutcomePolicy.MaxEvaluationsPerTask"/> evaluations,
/// one per name; more are dropped and counted.
/// </remarks>
internal sealed class OutcomeIntake(TaskLifecycle tasks)
{
    public OutcomeApplied Apply(TraceId traceId, Outcome outcome) => Apply(traceId, outcome, ApiVerdict.DefaultSource, null);

    public OutcomeApplied Apply(TraceId traceId, Outcome outcome, string source, string? reason)
    {
        var verdict = new ApiVerdict(outcome, source, reason);
        if (tasks.TryGetPending(traceId, out PendingTask? task))
        {
            bool first = task.Api is null;
            bool wasDecided = tasks.IsDecided(task);
            task.Api = verdict;
            Touch(task, first, wasDecided);
            return OutcomeApplied.Applied;
        }
        if (tasks.Finished.ContainsKey(traceId)) return OutcomeApplied.Late;
        if (Held(traceId) is not HeldVerdicts held) return OutcomeApplied.Dropped;
        held.Api = verdict;
        return OutcomeApplied.Held;
    }

    /// <summary>Applies each evaluation to its trace's task; counts into <paramref name="decisions"/> the late and dropped ones.</summary>
    public void ApplyEvaluations(ReadOnlySpan<EvaluationResult> evaluations, TaskDecisions decisions)
    {
        foreach (ref readonly EvaluationResult evaluation in evaluations)
        {
            var verdict = new EvaluationVerdict(evaluation.Name, OutcomePolicy.LabelPasses(evaluation.Label),
                evaluation.Score is double score && double.IsFinite(score) ? score : null);
            if (tasks.TryGetPending(evaluation.TraceId, out PendingTask? task))
            {
                bool first = task.Evaluations is not { Count: > 0 };
                bool wasDecided = tasks.IsDecided(task);
                if (!task.AddEvaluation(in verdict))
                {
                    decisions.DroppedOutcomes++;
                    continue;
                }
                Touch(task, first, wasDecided);
                continue;
            }
            if (tasks.Finished.ContainsKey(evaluation.TraceId))
            {
                decisions.LateOutcomes++;
                continue;
            }
            if (Held(evaluation.TraceId) is not HeldVerdicts held || !PendingTask.AddEvaluation(held.Evaluations ??= [], in verdict))
                decisions.DroppedOutcomes++;
        }
    }

    /// <summary>Settles a task that the verdict decided; the first verdict of its kind counts as activity.</summary>
    private void Touch(PendingTask task, bool first, bool wasDecided)
    {
        if (!first && wasDecided) return;
        if (!tasks.IsDecided(task)) return;
        task.LastActivityMs = tasks.NowMs();
        tasks.Schedule(task);
    }

    /// <summary>The verdicts held for a trace not seen yet, made when none are; null when the holding area is full.</summary>
    private HeldVerdicts? Held(TraceId traceId)
    {
        ref HeldVerdicts already = ref tasks.HeldOutcomes.GetValueRefOrNullRef(traceId);
        if (!Unsafe.IsNullRef(ref already)) return already;
        if (tasks.HeldOutcomes.IsFull) return null;
        var held = new HeldVerdicts();
        tasks.HeldOutcomes.Set(traceId, held, tasks.NowMs() + tasks.WindowMs, out _);
        return held;
    }
}
