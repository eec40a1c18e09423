namespace CpstExporter.Billing;

/// <summary>
/// The ledger of traced cost and what the allocation did, as the state file keeps them in its section
/// <see cref="TracedCostLedger.SectionName"/>. Read and written by <see cref="LedgerStateContext"/>, so these records are
/// the format.
/// </summary>
/// <param name="AllocatingFrom">The first day the allocation of untraced spend applies to; null while it is off.</param>
internal sealed record LedgerState(List<LedgerEntryState>? Entries, List<AllocationState>? Allocations, DateOnly? AllocatingFrom = null);
