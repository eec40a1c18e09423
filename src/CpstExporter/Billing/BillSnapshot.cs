namespace CpstExporter.Billing;

/// <summary>
/// Everything one source now says about one part of the bill (<see cref="Scope"/>: a FOCUS file's path, a polled
/// month such as <c>2026-11</c>). It replaces what the same source said before for the same scope, whole: a revised
/// export or a re-polled month never adds to its earlier figures. Amounts of one day, provider and account are summed
/// by the reader before they get here, so each appears once.
/// </summary>
internal sealed record BillSnapshot(BillingSource Source, string Scope, IReadOnlyList<BilledAmount> Amounts);
