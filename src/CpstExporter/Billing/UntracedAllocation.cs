using CpstExporter.Primitives;
using Microsoft.Extensions.Logging;

namespace CpstExporter.Billing;

/// <summary>
/// Allocates untraced spend to use cases (<c>Cpst:Billing:AllocateUntraced</c>, docs/billing.md, "Allocating untraced
/// spend"). For each provider and each of its billed days that is complete (<see cref="BillView.IsComplete"/>), the
/// untraced remainder (billed − traced) is split between the use cases in proportion to their traced cost with the
/// provider that day and accrues into <c>cpst_supporting_cost_usd_total{item="untraced_&lt;provider&gt;"}</c>. A day is
/// allocated once; a revision (a bill re-imported, late spans) that raises the remainder accrues only the increase, one
/// that lowers it accrues nothing and the difference is held against later increases, since a counter cannot go down.
/// A remainder of a day the provider has no traced cost for goes to no use case: logged, and kept as unallocated.
/// The parts are exact decimals to <see cref="PartDecimals"/> places and add up to the remainder exactly: the rounding
/// residue goes to the largest share.
/// </summary>
internal sealed partial class UntracedAllocation(ReconciliationOptions options, BillStore bill, TracedCostLedger ledger, TimeProvider time,
    ILogger<UntracedAllocation> logger)
{
    /// <summary>The item of a provider's allocated untraced spend is this and the provider: <c>untraced_openai</c>.</summary>
    public const string ItemPrefix = "untraced_";

    /// <summary>Decimal places of each use case's part: far below a cent, so no share is lost to rounding.</summary>
    public const int PartDecimals = 12;

    private readonly Lock _running = new();
    private readonly HashSet<(DateOnly Day, string Provider)> _loweredLogged = [];

    public bool Enabled => options.AllocateUntraced;

    /// <summary>Allocates what became due since the last run; nothing when the option is off.</summary>
    public void Run()
    {
        if (!options.AllocateUntraced) return;
        lock (_running)
        {
            DateOnly today = BillingWindow.Today(time);
            DateOnly from = ledger.AllocatingFrom(today);
            if (from < BillingWindow.KeptFrom(today)) from = BillingWindow.KeptFrom(today);
            _loweredLogged.RemoveWhere(logged => logged.Day < from);
            BillView view = bill.View;
            Dictionary<(DateOnly, string), List<(string UseCase, decimal Usd)>> traced = TracedByUseCase(from);
            foreach (string provider in view.Providers)
            {
                if (provider == BillingWindow.Overflow) continue;
                foreach (DateOnly day in view.Days(provider))
                {
                    if (day < from || !view.IsComplete(day, provider, today)) continue;
                    Allocate(day, provider, view.Billed(day, provider) ?? 0m, traced.GetValueOrDefault((day, provider)) ?? []);
                }
            }
        }
    }

    private void Allocate(DateOnly day, string provider, decimal billed, List<(string UseCase, decimal Usd)> traced)
    {
        decimal tracedUsd = 0m;
        foreach (var (_, usd) in traced) tracedUsd = Saturating.Add(tracedUsd, usd);
        decimal remainder = Saturating.Add(billed, -tracedUsd);
        DayAllocation done = ledger.AllocationOf(day, provider);
        decimal increase = Saturating.Add(remainder, -done.RemainderUsd);
        if (increase <= 0)
        {
            if (increase < 0 && _loweredLogged.Add((day, provider))) LogLowered(provider, day, remainder, done.RemainderUsd);
            return;
        }
        if (tracedUsd <= 0)
        {
            ledger.Allocate(day, provider, ItemPrefix + provider, [], increase);
            LogUnallocated(provider, day, increase);
            return;
        }
        ledger.Allocate(day, provider, ItemPrefix + provider, Split(increase, traced, tracedUsd), 0m);
    }

    /// <summary>
    /// <paramref name="amount"/> split in proportion to <paramref name="weights"/> (their sum <paramref name="total"/>,
    /// above 0), each part rounded to <see cref="PartDecimals"/> places, the residue given to the largest weight (the first
    /// in ordinal order of use case among equals), so the parts add up to <paramref name="amount"/> exactly.
    /// </summary>
    internal static List<(string UseCase, decimal Usd)> Split(decimal amount, IReadOnlyList<(string UseCase, decimal Usd)> weights, decimal total)
    {
        var ordered = weights.OrderBy(w => w.UseCase, StringComparer.Ordinal).ToList();
        var parts = new List<(string UseCase, decimal Usd)>(ordered.Count);
        decimal given = 0m;
        int largest = 0;
        for (int i = 0; i < ordered.Count; i++)
        {
            decimal part = Math.Round(amount * (ordered[i].Usd / total), PartDecimals, MidpointRounding.ToEven);
            parts.Add((ordered[i].UseCase, part));
            given += part;
            if (ordered[i].Usd > ordered[largest].Usd) largest = i;
        }
        parts[largest] = (parts[largest].UseCase, parts[largest].Usd + (amount - given));
        parts.RemoveAll(p => p.Usd == 0);
        return parts;
    }

    private Dictionary<(DateOnly, string), List<(string UseCase, decimal Usd)>> TracedByUseCase(DateOnly from)
    {
        var traced = new Dictionary<(DateOnly, string), List<(string, decimal)>>();
        foreach (var (key, usd) in ledger.Lines())
        {
            if (key.Day < from || usd <= 0) continue;
            if (!traced.TryGetValue((key.Day, key.Provider), out var list)) traced[(key.Day, key.Provider)] = list = [];
            list.Add((key.UseCase, usd));
        }
        return traced;
    }

    [LoggerMessage(EventId = 545, Level = LogLevel.Warning,
        Message = "Untraced spend of {Provider} on {Day}, {Usd} USD, went to no use case: the provider has no traced cost that day")]
    private partial void LogUnallocated(string provider, DateOnly day, decimal usd);

    [LoggerMessage(EventId = 546, Level = LogLevel.Information,
        Message = "Untraced spend of {Provider} on {Day} is now {Remainder} USD, below the {Allocated} USD already allocated; the difference is held against later increases")]
    private partial void LogLowered(string provider, DateOnly day, decimal remainder, decimal allocated);
}
