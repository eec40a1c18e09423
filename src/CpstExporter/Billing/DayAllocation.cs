namespace CpstExporter.Billing;

/// <summary>
/// What the allocation of untraced spend has done for one billed day of one provider (docs/billing.md, "Allocating
/// untraced spend").
/// </summary>
/// <param name="RemainderUsd">The largest untraced remainder seen for the day so far: what has been accrued, plus
/// <paramref name="UnallocatedUsd"/>. A revision accrues only what goes beyond it.</param>
/// <param name="UnallocatedUsd">Of it, what no use case took: the provider had no traced cost that day.</param>
internal readonly record struct DayAllocation(decimal RemainderUsd, decimal UnallocatedUsd);
