using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>
/// Accrues configured monthly costs continuously, at the FinOps convention of 730 hours a month:
/// <c>increase(cpst_supporting_cost_usd_total[w])</c> is then the window's share of the month. The rate can change
/// while running (configuration reload); each item keeps what it accrued at the old rate and goes on at the new one,
/// so the counter is piecewise linear and never goes back. An item removed from the configuration stays at what it
/// accrued (rate 0) until the process restarts. A restart resets every counter, which Prometheus's <c>increase</c>
/// handles as for any counter. Time is measured on the monotonic clock, so a step of the wall clock accrues nothing.
/// </summary>
internal sealed class SupportingCostAccrual
{
    public const decimal TicksPerMonth = 730m * TimeSpan.TicksPerHour;

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<Item> _items = []; // configuration order; bounded by the configuration

    public SupportingCostAccrual(TimeProvider time, IReadOnlyDictionary<string, UseCaseOptions> useCases)
    {
        _time = time;
        Configure(useCases);
    }

    /// <summary>Settles every item at the current time and continues at the rates of <paramref name="useCases"/>.</summary>
    public void Configure(IReadOnlyDictionary<string, UseCaseOptions> useCases)
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            foreach (Item item in _items) item.Settle(_time, now, monthlyUsd: 0);
            foreach (var (useCase, options) in useCases)
                foreach (var (name, monthlyUsd) in options.SupportingCosts)
                {
                    Item? item = _items.Find(i => i.UseCase == useCase && i.Name == name);
                    if (item is null) _items.Add(item = new Item(useCase, name, now));
                    item.Settle(_time, now, monthlyUsd);
                }
        }
    }

    /// <summary>Every item ever configured with what it has accrued until now, USD.</summary>
    public List<(string UseCase, string Item, decimal Usd)> Read()
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            return _items.ConvertAll(i => (i.UseCase, i.Name, i.AccruedAt(_time, now)));
        }
    }

    /// <param name="since">A monotonic timestamp of <see cref="TimeProvider.GetTimestamp"/>.</param>
    private sealed class Item(string useCase, string name, long since)
    {
        // USD per month × ticks, an exact product; divided only when read, so settling often rounds nothing.
        private decimal _settledUsdTicks;
        private decimal _monthlyUsd;
        private long _since = since;

        public string UseCase { get; } = useCase;
        public string Name { get; } = name;

        public decimal AccruedAt(TimeProvider time, long now) => UsdTicksAt(time, now) / TicksPerMonth;

        public void Settle(TimeProvider time, long now, decimal monthlyUsd)
        {
            _settledUsdTicks = UsdTicksAt(time, now);
            _since = now;
            _monthlyUsd = monthlyUsd;
        }

        // Saturates at decimal's maximum of USD·ticks (about 3 × 10¹⁵ USD once divided): a monthly amount no budget has
        // must not make every scrape fail.
        private decimal UsdTicksAt(TimeProvider time, long now) => _settledUsdTicks == decimal.MaxValue
            ? decimal.MaxValue
            : Saturating.Add(_settledUsdTicks, Saturating.Multiply(_monthlyUsd, Math.Max(0, time.GetElapsedTime(_since, now).Ticks)));
    }
}
