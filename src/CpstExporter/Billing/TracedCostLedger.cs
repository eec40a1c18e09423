using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text.Json;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing;

/// <summary>
/// The exporter's own traced cost per UTC day, provider and use case (docs/billing.md, "The ledger"): the counted calls
/// that feed <c>cpst_llm_cost_usd_total</c> and <c>cpst_tool_cost_usd_total</c>, recorded by the same delivery
/// (<c>Hosting/TaskDecisionDelivery</c>), so over the kept days the two agree to the last digit. An LLM call goes under
/// its provider as the metrics write it (<c>unknown</c> without one), a tool call under <see cref="ToolsProvider"/>; the
/// day is the one its span ended on (UTC), today when the span gave none or ended in the future. Kept: the days of
/// <see cref="BillingWindow"/>; a call that ended before them is not recorded. Bounded: per day at most
/// <c>maxPairsPerDay</c> providers and use cases, then a new use case goes to its provider's <c>__overflow__</c> use case
/// (per day at most <see cref="MaxOverflowPairsPerDay"/> of those), then to <c>__overflow__</c> for both: totals stay exact.
/// It is kept in the state file (<see cref="IStateSection"/>) with what the allocation of untraced spend did, which it
/// also holds (<see cref="Allocate"/>). One lock, held for one delivery's calls: one dictionary update per group of calls.
/// </summary>
internal sealed partial class TracedCostLedger : IStateSection
{
    public const string SectionName = "TracedCostLedger";

    /// <summary>The provider tool calls are ledgered under.</summary>
    public const string ToolsProvider = "tools";

    /// <summary>Per day, providers that may have their own <c>__overflow__</c> use case once the day is full.</summary>
    public const int MaxOverflowPairsPerDay = 64;

    private readonly Lock _lock = new();
    private readonly Dictionary<LedgerKey, decimal> _cost = [];
    private readonly Dictionary<DateOnly, (int Pairs, int Overflows)> _days = [];
    private readonly Dictionary<(DateOnly Day, string Provider), DayAllocation> _allocations = [];
    /// <summary>Allocated amounts not yet accrued: they accrue once a state file holding their allocation is saved.</summary>
    private readonly List<(string UseCase, string Item, decimal Usd)> _unsaved = [];
    private readonly int _maxPairsPerDay;
    private readonly TimeProvider _time;
    private readonly SupportingCostAccrual _supporting;
    private readonly bool _accrueWhenSaved;
    private readonly bool _allocating;
    private readonly ILogger<TracedCostLedger> _logger;
    private DateOnly _keptFrom;
    private DateOnly? _allocatingFrom;
    private long _beforeWindow;

    /// <param name="accrueWhenSaved">Allocated amounts accrue only once a state file holding the allocation is on disk
    /// (checkpoints are on): a crash before then allocates them again after the restart rather than twice.</param>
    /// <param name="allocating">Whether <c>Cpst:Billing:AllocateUntraced</c> is on: otherwise a saved start day of the
    /// allocation is forgotten, so that turning it on again starts afresh.</param>
    public TracedCostLedger(int maxPairsPerDay, TimeProvider time, SupportingCostAccrual supporting, bool accrueWhenSaved, bool allocating,
        ILogger<TracedCostLedger> logger)
    {
        _maxPairsPerDay = maxPairsPerDay;
        _time = time;
        _supporting = supporting;
        _accrueWhenSaved = accrueWhenSaved;
        _allocating = allocating;
        _logger = logger;
    }

    public string Name => SectionName;

    /// <summary>Calls that ended before the kept days and were left out of the ledger (they are in the metrics).</summary>
    public long CallsBeforeWindow => Interlocked.Read(ref _beforeWindow);

    /// <summary>Records the cost of counted calls, as <c>CpstMetrics.CallsCounted</c> counts them.</summary>
    public void Record(ReadOnlySpan<CountedCalls> counted)
    {
        if (counted.IsEmpty) return;
        DateOnly today = BillingWindow.Today(_time);
        bool first = false;
        lock (_lock)
        {
            Prune(today);
            // A request's calls mostly share their day, provider and use case: summed while they do, one update per run.
            LedgerKey run = default;
            decimal runUsd = 0m;
            foreach (ref readonly CountedCalls calls in counted)
            {
                CountedCall call = calls.Sum;
                if (call.CostUsd == 0 || call.Role is not (SpanRole.Llm or SpanRole.Tool)) continue;
                DateOnly day = call.EndDay == default || call.EndDay > today ? today : call.EndDay;
                if (day < _keptFrom)
                {
                    first |= _beforeWindow++ == 0;
                    continue;
                }
                string provider = call.Role == SpanRole.Tool ? ToolsProvider : call.Provider ?? MissingLabels.Unknown;
                if (run.Day == day && ReferenceEquals(run.Provider, provider) && ReferenceEquals(run.UseCase, calls.UseCase))
                {
                    runUsd = Saturating.Add(runUsd, call.CostUsd);
                    continue;
                }
                if (run.Provider is not null) Add(run, runUsd);
                (run, runUsd) = (new LedgerKey(day, provider, calls.UseCase), call.CostUsd);
            }
            if (run.Provider is not null) Add(run, runUsd);
        }
        if (first) LogBeforeWindow(_keptFrom);
    }

    /// <summary>Every line of the ledger, copied.</summary>
    public KeyValuePair<LedgerKey, decimal>[] Lines()
    {
        lock (_lock) return [.. _cost];
    }

    /// <summary>The traced cost of each day and provider over its use cases.</summary>
    public Dictionary<(DateOnly Day, string Provider), decimal> ByDayAndProvider()
    {
        var totals = new Dictionary<(DateOnly, string), decimal>();
        lock (_lock)
        {
            foreach (var (key, usd) in _cost)
            {
                ref decimal sum = ref CollectionsMarshal.GetValueRefOrAddDefault(totals, (key.Day, key.Provider), out _);
                sum = Saturating.Add(sum, usd);
            }
        }
        return totals;
    }

    /// <summary>What the allocation has done for <paramref name="provider"/>'s <paramref name="day"/>.</summary>
    public DayAllocation AllocationOf(DateOnly day, string provider)
    {
        lock (_lock) return _allocations.GetValueOrDefault((day, provider));
    }

    /// <summary>
    /// The first day the allocation applies to: set the first time it runs, to the day before yesterday, and kept in the
    /// state file. Days that were complete before the allocation was turned on are not allocated all at once.
    /// </summary>
    public DateOnly AllocatingFrom(DateOnly today)
    {
        lock (_lock) return _allocatingFrom ??= today.AddDays(-2);
    }

    /// <summary>
    /// Records that <paramref name="provider"/>'s <paramref name="day"/> now has <paramref name="parts"/> allocated (each
    /// use case's share of the item <paramref name="item"/>) and <paramref name="unallocated"/> that no use case took,
    /// and accrues the parts: at once, or when a state file holding this is saved.
    /// </summary>
    public void Allocate(DateOnly day, string provider, string item, IReadOnlyList<(string UseCase, decimal Usd)> parts, decimal unallocated)
    {
        decimal added = unallocated;
        foreach (var (_, usd) in parts) added = Saturating.Add(added, usd);
        lock (_lock)
        {
            DayAllocation was = _allocations.GetValueOrDefault((day, provider));
            _allocations[(day, provider)] = new DayAllocation(Saturating.Add(was.RemainderUsd, added), Saturating.Add(was.UnallocatedUsd, unallocated));
            if (_accrueWhenSaved)
            {
                foreach (var (useCase, usd) in parts) _unsaved.Add((useCase, item, usd));
                return;
            }
        }
        foreach (var (useCase, usd) in parts) _supporting.Accrue(useCase, item, usd);
    }

    public IStateSectionContent Capture()
    {
        lock (_lock)
            return new LedgerContent(this, [.. _cost], [.. _allocations], _allocatingFrom, _unsaved.Count);
    }

    /// <summary>A state file holding the first <paramref name="count"/> unsaved allocated amounts is on disk: they accrue.</summary>
    internal void Saved(int count)
    {
        if (count == 0) return;
        (string UseCase, string Item, decimal Usd)[] saved;
        lock (_lock)
        {
            saved = [.. _unsaved.Take(count)];
            _unsaved.RemoveRange(0, saved.Length);
        }
        foreach (var (useCase, item, usd) in saved) _supporting.Accrue(useCase, item, usd);
    }

    public void Restore(JsonElement saved)
    {
        LedgerState state = saved.Deserialize(LedgerStateContext.Default.LedgerState) ?? throw new JsonException("the ledger is null");
        DateOnly today = BillingWindow.Today(_time);
        int skipped = 0;
        lock (_lock)
        {
            Prune(today);
            foreach (LedgerEntryState? entry in state.Entries ?? [])
            {
                if (entry?.Provider is null || entry.UseCase is null || entry.Usd < 0 || entry.Day < _keptFrom || entry.Day > today)
                {
                    skipped++;
                    continue;
                }
                Add(new LedgerKey(entry.Day, entry.Provider, entry.UseCase), entry.Usd);
            }
            foreach (AllocationState? allocation in state.Allocations ?? [])
            {
                if (allocation?.Provider is null || allocation.Day < _keptFrom || allocation.RemainderUsd < 0 || allocation.UnallocatedUsd < 0)
                {
                    skipped++;
                    continue;
                }
                _allocations[(allocation.Day, allocation.Provider)] = new DayAllocation(allocation.RemainderUsd, allocation.UnallocatedUsd);
            }
            if (_allocating) _allocatingFrom = state.AllocatingFrom;
        }
        LogRestored(state.Entries?.Count - skipped ?? 0, skipped);
    }

    /// <summary>Under the lock: adds to a line, or makes it within the day's bound (folding it when the day is full).</summary>
    private void Add(LedgerKey key, decimal usd)
    {
        ref decimal line = ref CollectionsMarshal.GetValueRefOrNullRef(_cost, key);
        if (Unsafe.IsNullRef(ref line))
        {
            key = Admit(key);
            line = ref CollectionsMarshal.GetValueRefOrAddDefault(_cost, key, out _);
        }
        line = Saturating.Add(line, usd);
    }

    /// <summary>The line a new key goes to: itself while the day has room, else its provider's overflow, else the day's.</summary>
    private LedgerKey Admit(LedgerKey key)
    {
        ref var day = ref CollectionsMarshal.GetValueRefOrAddDefault(_days, key.Day, out _);
        if (day.Pairs < _maxPairsPerDay)
        {
            day.Pairs++;
            return key;
        }
        var folded = key with { UseCase = BillingWindow.Overflow };
        if (_cost.ContainsKey(folded)) return folded;
        if (day.Overflows < MaxOverflowPairsPerDay)
        {
            day.Overflows++;
            return folded;
        }
        return new LedgerKey(key.Day, BillingWindow.Overflow, BillingWindow.Overflow);
    }

    /// <summary>Under the lock: forgets the days before the kept months, once a month.</summary>
    private void Prune(DateOnly today)
    {
        DateOnly keptFrom = BillingWindow.KeptFrom(today);
        if (keptFrom <= _keptFrom) return;
        _keptFrom = keptFrom;
        foreach (LedgerKey key in _cost.Keys.Where(k => k.Day < keptFrom).ToList()) _cost.Remove(key);
        foreach (DateOnly day in _days.Keys.Where(d => d < keptFrom).ToList()) _days.Remove(day);
        foreach (var key in _allocations.Keys.Where(k => k.Day < keptFrom).ToList()) _allocations.Remove(key);
    }

    [LoggerMessage(EventId = 543, Level = LogLevel.Warning,
        Message = "Calls whose spans ended before {KeptFrom} are counted in the metrics but left out of the ledger of traced cost, which keeps the current month and the two before it; a backfill of old traces, or clients with a wrong clock")]
    private partial void LogBeforeWindow(DateOnly keptFrom);

    [LoggerMessage(EventId = 544, Level = LogLevel.Information, Message = "Ledger of traced cost restored: {Lines} lines; {Skipped} unusable or past entries skipped")]
    private partial void LogRestored(int lines, int skipped);
}
