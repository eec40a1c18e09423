using CpstExporter.Primitives;


namespace CpstExporter.Tasks.State;

/// <summary>
/// Verdicts held for a trace not seen yet: the outcome API's (<see cref="Outcome"/>, <c>Unknown</c> when only evaluations
/// are held), who gave it and why, and evaluations. The last three since version 5.
/// </summary>
internal sealed record HeldOutcomeState(string TraceId, Outcome Outcome, long ExpiresMs,
    string? ApiSource = null, string? ApiReason = null, List<EvaluationState>? Evaluations = null);
