using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary><c>cpst_cost_per_task_usd</c> for one (use_case, outcome): cumulative-at-exposition bucket counts, exact sum, exemplars per bucket.</summary>
internal sealed class CostHistogramSeries(string[] labelValues) : Series(labelValues)
{
    /// <summary>Upper bounds in USD: from a fraction of a cent (a single small call) to tens of dollars (a long agent run).</summary>
    public static readonly decimal[] Bounds =
        [0.0001m, 0.0005m, 0.001m, 0.0025m, 0.005m, 0.01m, 0.025m, 0.05m, 0.1m, 0.25m, 0.5m, 1m, 2.5m, 5m, 10m, 25m];

    /// <summary>Per-bucket (not cumulative) counts; the last one is +Inf.</summary>
    private readonly long[] Counts = new long[Bounds.Length + 1];
    private readonly Exemplar[] Exemplars = new Exemplar[Bounds.Length + 1];
    private decimal Sum;
    private long Count;

    public void Observe(decimal value, in Exemplar exemplar)
    {
        int bucket = BucketOf(value);
        lock (Sync)
        {
            Counts[bucket] = Saturating.Add(Counts[bucket], 1);
            Exemplars[bucket] = exemplar;
            Sum = Saturating.Add(Sum, value);
            Count = Saturating.Add(Count, 1);
        }
    }

    public static int BucketOf(decimal value)
    {
        int bucket = 0;
        while (bucket < Bounds.Length && value > Bounds[bucket]) bucket++;
        return bucket;
    }

    /// <summary>Copies a consistent view into the caller's buffers (sized <see cref="Bounds"/>.Length + 1).</summary>
    public void Read(Span<long> counts, Span<Exemplar> exemplars, out decimal sum, out long count)
    {
        lock (Sync)
        {
            Counts.CopyTo(counts);
            Exemplars.CopyTo(exemplars);
            sum = Sum;
            count = Count;
        }
    }
}
