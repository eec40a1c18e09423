namespace CpstExporter.Billing;

/// <summary>One line of the ledger of traced cost: a UTC day, a provider (<c>tools</c> for tool calls) and a use case.</summary>
internal readonly record struct LedgerKey(DateOnly Day, string Provider, string UseCase);
