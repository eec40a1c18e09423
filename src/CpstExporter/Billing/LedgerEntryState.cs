namespace CpstExporter.Billing;

/// <summary>One line of the ledger (<see cref="LedgerKey"/>) with its traced cost, USD.</summary>
internal sealed record LedgerEntryState(DateOnly Day, string? Provider, string? UseCase, decimal Usd);
