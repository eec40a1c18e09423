using System.Text.Json;
using CpstExporter.Tasks.State;

namespace CpstExporter.Billing;

/// <summary>The ledger as a checkpoint took it (<see cref="TracedCostLedger.Capture"/>), written into one state file.</summary>
internal sealed class LedgerContent(
    TracedCostLedger ledger, KeyValuePair<LedgerKey, decimal>[] lines, KeyValuePair<(DateOnly Day, string Provider), DayAllocation>[] allocations,
    DateOnly? allocatingFrom, int unsaved) : IStateSectionContent
{
    public void Write(Utf8JsonWriter json)
    {
        var state = new LedgerState(
            [.. lines.Select(l => new LedgerEntryState(l.Key.Day, l.Key.Provider, l.Key.UseCase, l.Value))],
            [.. allocations.Select(a => new AllocationState(a.Key.Day, a.Key.Provider, a.Value.RemainderUsd, a.Value.UnallocatedUsd))],
            allocatingFrom);
        JsonSerializer.Serialize(json, state, LedgerStateContext.Default.LedgerState);
    }

    public void Saved() => ledger.Saved(unsaved);
}
