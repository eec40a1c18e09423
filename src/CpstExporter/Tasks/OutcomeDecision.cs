using CpstExporter.Primitives;

namespace CpstExporter.Tasks;

/// <summary>What a task's outcome signals decide under its use case's policy: the outcome and the signal that decided; <see cref="OutcomeSource.None"/> while none did.</summary>
internal readonly record struct OutcomeDecision(Outcome Outcome, OutcomeSource Source)
{
    public bool Decided => Source != OutcomeSource.None;
}
