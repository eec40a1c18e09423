using CpstExporter.Primitives;

namespace CpstExporter.Aggregation;

/// <summary>
/// <c>cpst_cost_per_task_usd</c> for one (use_case, outcome): cumulative-at-exposition bucket counts, exact sum,
/// exemplars per bucket; and the same observations in the exponential buckets of a Prometheus native histogram
/// (<see cref="NativeSchema"/>), which the protobuf exposition writes alongside the classic ones (docs/design.md,
/// "Native histogram of task cost").
/// </summary>
internal sealed class CostHistogramSeries(string[] labelValues) : Series(labelValues)
{
    /// <summary>Upper bounds in USD: from a fraction of a cent (a single small call) to tens of dollars (a long agent run).</summary>
    public static readonly decimal[] Bounds =
        [0.0001m, 0.0005m, 0.001m, 0.0025m, 0.005m, 0.01m, 0.025m, 0.05m, 0.1m, 0.25m, 0.5m, 1m, 2.5m, 5m, 10m, 25m];

    /// <summary>
    /// Schema 3: bucket <c>i</c> holds (2^((i-1)/8), 2^(i/8)], so each bucket is 2^(1/8) ≈ 1.0905 times as wide as the one
    /// below, and a quantile interpolated within one is off by at most 9.05 % of its value.
    /// </summary>
    public const int NativeSchema = 3;

    /// <summary>
    /// Costs of at most 2^-20 USD (9.5e-7, under a micro-dollar: free and all but free tasks) count in the zero bucket. A
    /// power of two, so it is the lower bound of the first bucket at every schema.
    /// </summary>
    public const double NativeZeroThreshold = 1.0 / (1 << 20);

    /// <summary>The first bucket above the zero bucket: (2^-20, 2^(-159/8)].</summary>
    public const int NativeMinIndex = -20 * (1 << NativeSchema) + 1;

    /// <summary>
    /// The last bucket kept: (2^(79/8), 2^10] = ($933.4, $1024]. A cost above $1024 counts there too (and in the classic
    /// +Inf bucket, and exactly in the sum), so a series holds a fixed <see cref="NativeBuckets"/> counters whatever it is sent.
    /// </summary>
    public const int NativeMaxIndex = 10 * (1 << NativeSchema);

    public const int NativeBuckets = NativeMaxIndex - NativeMinIndex + 1;

    /// <summary>
    /// The upper bounds of schema 3's eight buckets within one power of two, as fractions in [0.5, 1): the bounds
    /// Prometheus's own clients use (client_golang's <c>nativeHistogramBounds</c>), so a cost on a boundary falls in the
    /// same bucket as it would there.
    /// </summary>
    private static readonly double[] NativeBoundsWithinOctave =
        [0.5, 0.5452538663326288, 0.5946035575013605, 0.6484197773255048, 0.7071067811865475, 0.7711054127039704, 0.8408964152537144, 0.9170040432046711];

    /// <summary>Per-bucket (not cumulative) counts; the last one is +Inf.</summary>
    private readonly long[] Counts = new long[Bounds.Length + 1];
    private readonly Exemplar[] Exemplars = new Exemplar[Bounds.Length + 1];
    /// <summary>Native bucket counts, by index − <see cref="NativeMinIndex"/>; and the zero bucket's.</summary>
    private readonly long[] NativeCounts = new long[NativeBuckets];
    private long NativeZeroCount;
    private decimal Sum;
    private long Count;

    public void Observe(decimal value, in Exemplar exemplar)
    {
        int bucket = BucketOf(value);
        int native = NativeBucketOf(value);
        lock (Sync)
        {
            Counts[bucket] = Saturating.Add(Counts[bucket], 1);
            Exemplars[bucket] = exemplar;
            if (native < 0) NativeZeroCount = Saturating.Add(NativeZeroCount, 1);
            else NativeCounts[native] = Saturating.Add(NativeCounts[native], 1);
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

    /// <summary>
    /// The native bucket of a cost, as an offset from <see cref="NativeMinIndex"/>, or −1 for the zero bucket. The
    /// index is found as Prometheus's clients find it: the cost as fraction × 2^exponent, and the fraction's place among
    /// <see cref="NativeBoundsWithinOctave"/>; no logarithm, so a cost exactly on a bound is in the bucket it closes.
    /// </summary>
    public static int NativeBucketOf(decimal cost)
    {
        double value = (double)cost;
        if (!(value > NativeZeroThreshold)) return -1;
        int exponent = Math.ILogB(value) + 1;
        double fraction = Math.ScaleB(value, -exponent); // value = fraction × 2^exponent, fraction in [0.5, 1)
        int within = 0;
        while (within < NativeBoundsWithinOctave.Length && NativeBoundsWithinOctave[within] < fraction) within++;
        int index = within + (exponent - 1) * NativeBoundsWithinOctave.Length;
        return Math.Min(index, NativeMaxIndex) - NativeMinIndex;
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

    /// <summary>
    /// <see cref="Read(Span{long}, Span{Exemplar}, out decimal, out long)"/> and the native buckets (sized
    /// <see cref="NativeBuckets"/>) with the zero bucket, from the same moment.
    /// </summary>
    public void Read(Span<long> counts, Span<Exemplar> exemplars, Span<long> native, out long zeroCount, out decimal sum, out long count)
    {
        lock (Sync)
        {
            Counts.CopyTo(counts);
            Exemplars.CopyTo(exemplars);
            NativeCounts.CopyTo(native);
            zeroCount = NativeZeroCount;
            sum = Sum;
            count = Count;
        }
    }
}
