namespace CpstExporter.Billing;

/// <summary>One billed day of one provider and what the allocation did for it (<see cref="DayAllocation"/>).</summary>
internal sealed record AllocationState(DateOnly Day, string? Provider, decimal RemainderUsd, decimal UnallocatedUsd);
