using CpstExporter.Pricing;
using CpstExporter.Primitives;

using CpstExporter.Tasks;

namespace CpstExporter.Tasks.State;

/// <summary>
/// Calls held until the task's use case is final, as the state file keeps them. From version 4 an entry is a
/// <see cref="HeldGroup"/>: calls alike held with their span ids (<see cref="PendingTaskState.HeldSpans"/> name it by its
/// place in the list), or, with <see cref="Calls"/>, that many calls summed into its tokens and cost. Before, an entry
/// was one call, with its <see cref="SpanId"/>.
/// </summary>
/// <param name="Calls">Of summed calls, how many; null for calls held with their span ids, and for one call before version 4.</param>
/// <param name="First">Of summed calls, how many calls with span ids were held before the first of them.</param>
/// <param name="EndDay">The UTC day the calls' spans ended (<see cref="CountedCall.EndDay"/>), <c>yyyy-MM-dd</c>; null when
/// no span said, and in files before version 6, whose calls the ledger files under the day they are counted.</param>
internal sealed record HeldCallState(
    ulong SpanId, SpanRole Role, string? Provider, string? Model, string? Tool,
    long InputTokens, long OutputTokens, long CacheReadTokens, long CacheWriteTokens, long ReasoningTokens,
    decimal CostUsd, bool Unpriced,
    PricingBasis Basis = PricingBasis.Table, ServiceTier ServiceTier = ServiceTier.Standard, bool ServiceTierUnpriced = false,
    int? Calls = null, int First = 0, DateOnly? EndDay = null);
