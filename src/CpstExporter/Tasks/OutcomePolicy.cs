using System.Globalization;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tasks;

/// <summary>
/// Which signals decide a use case's outcome and how (<c>Cpst:UseCases:&lt;name&gt;:Outcome</c>, docs/operations.md,
/// "How success is decided"). The default lists every signal and combines <see cref="OutcomeCombine.First"/>: a task settles on
/// its first signal, and an explicit verdict (the outcome API, then an evaluation) beats what the agent's spans said,
/// which beats a root in error.
/// </summary>
internal sealed class OutcomePolicy
{
    /// <summary>Evaluations kept per task (or per trace not seen yet); one of a name already kept replaces it.</summary>
    public const int MaxEvaluationsPerTask = 16;

    /// <summary>The order <see cref="OutcomeCombine.First"/> decides in, and the signals listed when none are.</summary>
    private static readonly OutcomeSignal[] BuiltIn =
        [new(OutcomeSource.Api, null), new(OutcomeSource.Evaluation, null), new(OutcomeSource.Span, null), new(OutcomeSource.Error, null)];

    public static readonly OutcomePolicy Default = new([], OutcomeCombine.First, null);

    public OutcomePolicy(IReadOnlyList<OutcomeSignal> signals, OutcomeCombine combine, double? passThreshold)
    {
        Signals = signals.Count == 0 ? BuiltIn : [.. signals];
        Listed = signals.Count > 0;
        Combine = combine;
        PassThreshold = passThreshold;
    }

    public OutcomeSignal[] Signals { get; }
    /// <summary>False for the default: every signal.</summary>
    public bool Listed { get; }
    public OutcomeCombine Combine { get; }
    /// <summary>An evaluation whose label is not a success spelling passes with a score at least this. Default none.</summary>
    public double? PassThreshold { get; }

    public bool Passes(in EvaluationVerdict evaluation) =>
        evaluation.LabelPasses || (PassThreshold is double threshold && evaluation.Score is double score && score >= threshold);

    /// <summary>
    /// Whether the task's signals decide it now: what scheduling asks on every span. For the default (every signal, the
    /// first decides) that is whether any signal arrived, read without weighing them; otherwise what <see cref="Decide"/> says.
    /// </summary>
    public bool IsDecided(PendingTask task) => !Listed && Combine == OutcomeCombine.First
        ? task.Outcome != Outcome.Unknown || task.RootError || task.Api is not null || task.Evaluations is { Count: > 0 }
        : Decide(task).Decided;

    /// <summary>What the task's signals decide now.</summary>
    public OutcomeDecision Decide(PendingTask task)
    {
        if (Combine == OutcomeCombine.All) return DecideAll(task);
        if (Combine == OutcomeCombine.Authority)
        {
            foreach (OutcomeSignal signal in Signals)
                if (Read(task, signal) is OutcomeDecision found) return found;
            return default;
        }
        // First: the strongest present, in the built-in order, of the signals listed.
        foreach (OutcomeSignal kind in BuiltIn)
        {
            OutcomeDecision? best = null;
            foreach (OutcomeSignal signal in Signals)
            {
                if (signal.Kind != kind.Kind) continue;
                if (Read(task, signal) is not OutcomeDecision found) continue;
                // Several listed evaluations of one kind: any failure fails.
                if (best is null || found.Outcome == Outcome.Failure) best = found;
            }
            if (best is OutcomeDecision decided) return decided;
        }
        return default;
    }

    private OutcomeDecision DecideAll(PendingTask task)
    {
        bool missing = false;
        OutcomeDecision last = default;
        foreach (OutcomeSignal signal in Signals)
        {
            if (Read(task, signal) is not OutcomeDecision found)
            {
                missing = true;
                continue;
            }
            if (found.Outcome != Outcome.Success) return found; // a failure fails at once
            last = found;
        }
        return missing ? default : last;
    }

    /// <summary>The verdict of one listed signal on the task, or null when it has not arrived.</summary>
    private OutcomeDecision? Read(PendingTask task, OutcomeSignal signal)
    {
        switch (signal.Kind)
        {
            case OutcomeSource.Span:
                return task.Outcome != Outcome.Unknown
                    ? new OutcomeDecision(task.Outcome, task.OutcomeSource == OutcomeSource.Root ? OutcomeSource.Root : OutcomeSource.Span) : null;
            case OutcomeSource.Error:
                return task.RootError ? new OutcomeDecision(Outcome.Failure, OutcomeSource.Error) : null;
            case OutcomeSource.Api:
                return task.Api is ApiVerdict api && (signal.Qualifier is null || signal.Qualifier == api.Source)
                    ? new OutcomeDecision(api.Outcome, OutcomeSource.Api) : null;
            default:
                if (task.Evaluations is not { Count: > 0 } evaluations) return null;
                bool any = false, failed = false;
                foreach (EvaluationVerdict evaluation in evaluations)
                {
                    if (signal.Qualifier is not null && !string.Equals(signal.Qualifier, evaluation.Name, StringComparison.Ordinal)) continue;
                    any = true;
                    failed |= !Passes(in evaluation);
                }
                return any ? new OutcomeDecision(failed ? Outcome.Failure : Outcome.Success, OutcomeSource.Evaluation) : null;
        }
    }

    /// <summary>True when both say the same.</summary>
    public bool SameAs(OutcomePolicy other) =>
        Combine == other.Combine && PassThreshold == other.PassThreshold && Listed == other.Listed && Signals.SequenceEqual(other.Signals);

    /// <summary>Reads <c>Cpst:UseCases:&lt;name&gt;:Outcome</c>; a wrong value throws with its key named.</summary>
    public static OutcomePolicy Read(IConfigurationSection section)
    {
        var signals = new List<OutcomeSignal>();
        OutcomeCombine combine = OutcomeCombine.First;
        double? threshold = null;
        foreach (IConfigurationSection setting in section.GetChildren())
        {
            switch (setting.Key.ToUpperInvariant())
            {
                case "SIGNALS":
                    foreach (IConfigurationSection item in setting.GetChildren().OrderBy(i => int.TryParse(i.Key, out int n) ? n : int.MaxValue))
                    {
                        if (!OutcomeSignal.TryParse(item.Value, out OutcomeSignal signal))
                            throw new CpstConfigurationException(
                                $"{item.Path} must be a signal: span, error, api, api:<source>, evaluation or evaluation:<name>, not '{item.Value}'");
                        signals.Add(signal);
                    }
                    break;
                case "COMBINE":
                    combine = setting.Value?.Trim().ToLowerInvariant() switch
                    {
                        "first" => OutcomeCombine.First,
                        "all" => OutcomeCombine.All,
                        "authority" => OutcomeCombine.Authority,
                        _ => throw new CpstConfigurationException($"{setting.Path} must be first, all or authority, not '{setting.Value}'"),
                    };
                    break;
                case "PASSTHRESHOLD":
                    if (!double.TryParse(setting.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) || !double.IsFinite(value))
                        throw new CpstConfigurationException($"{setting.Path} must be a number such as 0.8 (an evaluation passes with a score at least that), not '{setting.Value}'");
                    threshold = value;
                    break;
                // Anything else is reported as an unknown key (ConfigurationKeys).
            }
        }
        if (combine == OutcomeCombine.All && signals.Count == 0)
            throw new CpstConfigurationException($"{section.Path}:Signals must list the signals that must all pass when Combine is all");
        return new OutcomePolicy(signals, combine, threshold);
    }

    /// <summary>Whether a label is a success spelling (docs/conventions.md, "Outcomes").</summary>
    public static bool LabelPasses(string? label) => OutcomeSpelling.FromString(label) == Outcome.Success;
}
