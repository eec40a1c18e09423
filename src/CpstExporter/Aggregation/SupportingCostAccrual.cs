using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>
/// Accrues configured monthly costs continuously, at the FinOps convention of 730 hours a month:
/// <c>increase(cpst_supporting_cost_usd_total[w])</c> is then the window's share of the month. The rate can change
/// while running (configuration reload); each item keeps what it accrued at the old rate and goes on at the new one,
/// so the counter is piecewise linear and never goes back. An item removed from the configuration stays at what it
/// accrued (rate 0) until the process restarts. A restart resets every counter, which Prometheus's <c>increase</c>
/// handles as for any counter. Time is measured on the monotonic clock, so a step of the wall clock accrues nothing.
/// Besides the configured items, amounts accrued at once (<see cref="Accrue"/>: untraced spend allocated from the bill,
/// docs/billing.md) are series of the same family.
/// </summary>
internal sealed class SupportingCostAccrual
{
    public const decimal TicksPerMonth = 730m * TimeSpan.TicksPerHour;

    private readonly TimeProvider _time;
    private readonly Lock _lock = new();
    private readonly List<Item> _items = []; // configuration order; bounded by the configuration
    /// <summary>Amounts accrued at once, in the order their series began; at most <see cref="_maxAccrued"/> series.</summary>
    private readonly Dictionary<(string UseCase, string Item), decimal> _accrued = [];
    private readonly List<(string UseCase, string Item)> _accruedOrder = [];
    private readonly int _maxAccrued;

    /// <param name="maxAccruedSeries">Series of amounts accrued at once; past it a new use case's amount goes to the
    /// use case <c>__overflow__</c> of its item.</param>
    public SupportingCostAccrual(TimeProvider time, IReadOnlyDictionary<string, UseCaseOptions> useCases, int maxAccruedSeries = int.MaxValue)
    {
        _time = time;
        _maxAccrued = maxAccruedSeries;
        Configure(useCases);
    }

    /// <summary>
    /// Adds <paramref name="usd"/> to <paramref name="useCase"/>'s <paramref name="item"/> at once (not spread over time):
    /// an amount the bill showed. Not negative: a counter never goes down.
    /// </summary>
    public void Accrue(string useCase, string item, decimal usd)
    {
        if (usd <= 0) return;
        lock (_lock)
        {
            var key = (useCase, item);
            if (!_accrued.ContainsKey(key) && _accrued.Count >= _maxAccrued)
            {
                key = (SeriesFamily<LlmCallKey, LlmCallSeries>.OverflowValue, item);
                if (!_accrued.ContainsKey(key)) _accruedOrder.Add(key);
            }
            else if (!_accrued.ContainsKey(key)) _accruedOrder.Add(key);
            _accrued[key] = Saturating.Add(_accrued.GetValueOrDefault(key), usd);
        }
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

    /// <summary>
    /// Every item ever configured with what it has accrued until now, USD, then the items only accrued at once; an
    /// amount accrued at once under a configured item's name adds to it.
    /// </summary>
    public List<(string UseCase, string Item, decimal Usd)> Read()
    {
        lock (_lock)
        {
            long now = _time.GetTimestamp();
            var read = _items.ConvertAll(i => (i.UseCase, i.Name, Saturating.Add(i.AccruedAt(_time, now), _accrued.GetValueOrDefault((i.UseCase, i.Name)))));
            foreach (var key in _accruedOrder)
                if (!_items.Exists(i => i.UseCase == key.UseCase && i.Name == key.Item)) read.Add((key.UseCase, key.Item, _accrued[key]));
            return read;
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
