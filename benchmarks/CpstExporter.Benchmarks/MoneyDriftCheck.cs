using System.Globalization;
using CpstExporter.Aggregation;
using CpstExporter.Exposition;
using CpstExporter.Receiving;
using Microsoft.Extensions.Time.Testing;
using Prom = Prometheus;

namespace CpstExporter.Benchmarks;

/// <summary>
/// How far a money total kept as a double drifts from the exact one: the same micro-dollar costs (from $0.000100 to
/// $0.050000) added to one series of the exporter's aggregation (decimal) and to one prometheus-net counter (double),
/// with the value each exposition then shows. What a Prometheus server stores from the exact text is one rounding to
/// the nearest double, not one per add: that is printed too. Not a BenchmarkDotNet benchmark: the numbers are the point.
/// </summary>
internal static class MoneyDriftCheck
{
    public static int Run(string[] args)
    {
        long total = args is [_, var n] ? long.Parse(n, CultureInfo.InvariantCulture) : 100_000_000;
        var metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), new FakeTimeProvider());
        var registry = Prom.Metrics.NewCustomRegistry();
        var factory = Prom.Metrics.WithCustomRegistry(registry);
        factory.ExemplarBehavior = Prom.ExemplarBehavior.NoExemplars();
        Prom.Counter.Child counter = factory.CreateCounter("cpst_tool_cost_usd_total", "Tool spend, USD.", "use_case", "tool").WithLabels("drift", "search");

        long exactMicros = 0;
        long firstDrift = 0;
        Console.WriteLine("adds         exact total (decimal)     prometheus-net counter (double)   drift USD       drift of the stored value");
        for (long k = 1; k <= total; k++)
        {
            long micros = k * 7_919 % 49_901 + 100;
            decimal cost = micros / 1_000_000m;
            metrics.RecordToolCall("drift", "search", cost);
            counter.Inc((double)cost);
            exactMicros += micros;

            // The first add after which the double is no longer the double nearest the exact total.
            if (firstDrift == 0 && counter.Value != Nearest(exactMicros / 1_000_000m))
            {
                firstDrift = k;
                Console.WriteLine($"first drift after {k} adds: exact {exactMicros / 1_000_000m}, double {counter.Value.ToString("R", CultureInfo.InvariantCulture)}");
            }
            if (IsPowerOfTen(k) && k >= 1_000) Report(k, metrics, counter, exactMicros);
        }
        if (!IsPowerOfTen(total)) Report(total, metrics, counter, exactMicros);

        var buffer = new ExpositionBuffer();
        new MetricsWriter(metrics, new ReceiverCounters(), new ProcessMetrics(), () => "-", "-").Write(buffer, ExpositionFormat.Text);
        string ours = System.Text.Encoding.UTF8.GetString(buffer.Written.Span).Split('\n').First(l => l.StartsWith("cpst_tool_cost_usd_total{", StringComparison.Ordinal));
        using var stream = new MemoryStream();
        registry.CollectAndExportAsTextAsync(stream, Prom.ExpositionFormat.PrometheusText).GetAwaiter().GetResult();
        string theirs = System.Text.Encoding.UTF8.GetString(stream.ToArray()).Split('\n').First(l => l.StartsWith("cpst_tool_cost_usd_total{", StringComparison.Ordinal));
        Console.WriteLine($"exporter:       {ours}");
        Console.WriteLine($"prometheus-net: {theirs}");
        return 0;
    }

    private static void Report(long adds, CpstMetrics metrics, Prom.Counter.Child counter, long exactMicros)
    {
        decimal exact = metrics.ToolCalls.All[0].Read().CostUsd;
        if (exact != exactMicros / 1_000_000m) throw new InvalidOperationException($"the decimal total {exact} is not the exact {exactMicros} micro-dollars");
        double stored = Nearest(exact);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{adds,-12:N0} {exact,-25} {counter.Value,-33:R} {Exact(counter.Value) - exact,-15:G6} {Exact(stored) - exact:G6}"));
    }

    /// <summary>The double a Prometheus server parses from the exact decimal text: correctly rounded, as Go's ParseFloat.</summary>
    private static double Nearest(decimal value) => double.Parse(value.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>The double as its shortest round-trip text reads, which is what an exposition shows (a cast to decimal keeps only 15 digits).</summary>
    private static decimal Exact(double value) => decimal.Parse(value.ToString("R", CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static bool IsPowerOfTen(long k)
    {
        while (k >= 10 && k % 10 == 0) k /= 10;
        return k == 1;
    }
}
