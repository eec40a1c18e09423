namespace CpstExporter.Billing;

/// <summary>
/// One row of <c>GET /api/v1/billing</c> (docs/billing.md, "The billing API"). A field the grouping does not have is
/// null (<see cref="Day"/> by provider or account, <see cref="Account"/> by day or provider); so are the billed figures of
/// a day or provider the bill does not have, and the traced ones by account.
/// </summary>
/// <param name="UntracedUsd">Billed − traced, signed: below 0 the traces estimate more than was billed.</param>
/// <param name="Coverage">Traced ÷ billed, to <see cref="BillingReport.CoverageDecimals"/> places; null when nothing was billed.</param>
internal readonly record struct BillingRow(
    DateOnly? Day, string Provider, string? Account, decimal? BilledUsd, decimal? TracedUsd, decimal? UntracedUsd, decimal? Coverage);
