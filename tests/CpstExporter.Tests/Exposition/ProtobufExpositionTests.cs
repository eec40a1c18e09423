using System.Text;
using System.Text.RegularExpressions;
using CpstExporter.Aggregation;
using CpstExporter.Exposition;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using CpstExporter.Tests.Proto.Prometheus;
using MetricType = CpstExporter.Tests.Proto.Prometheus.MetricType;

namespace CpstExporter.Tests.Exposition;

/// <summary>The protobuf exposition decoded with the classes generated from Prometheus's client model, against the text one.</summary>
public sealed class ProtobufExpositionTests
{
    private static byte[] Render(MetricsWriterTests.Counted counted, ExpositionFormat format, RuntimeMetrics? runtime = null)
    {
        var writer = new MetricsWriter(counted.Metrics, counted.Receiving, new ProcessMetrics(), () => "0123456789ab", "0.1.0", runtime: runtime);
        var buffer = new ExpositionBuffer(256); // small, so the buffer has to grow, moving messages already written
        writer.Write(buffer, format);
        return buffer.Written.ToArray();
    }

    /// <summary>CPU time and resident memory move between two renderings; every other sample is fixed.</summary>
    private static bool Fixed(string key) => !key.StartsWith("process_cpu_seconds_total", StringComparison.Ordinal)
                                             && !key.StartsWith("process_resident_memory_bytes", StringComparison.Ordinal);

    [Fact]
    public void Write_Protobuf_EverySampleOfTextWithTheSameLabelsAndValue()
    {
        MetricsWriterTests.Counted counted = MetricsWriterTests.FixedMetrics();
        Dictionary<string, double> text = ExpositionSamples.FromText(Encoding.UTF8.GetString(Render(counted, ExpositionFormat.Text)));
        Dictionary<string, double> protobuf = ExpositionSamples.FromProtobuf(ExpositionSamples.DecodeProtobuf(Render(counted, ExpositionFormat.Protobuf)));

        Assert.True(text.Count > 100, $"only {text.Count} samples in text");
        Assert.Equal(text.Keys.Where(Fixed).Order(StringComparer.Ordinal), protobuf.Keys.Where(Fixed).Order(StringComparer.Ordinal));
        foreach (string key in text.Keys.Where(Fixed)) Assert.True(text[key].Equals(protobuf[key]), $"{key}: text {text[key]}, protobuf {protobuf[key]}");
        Assert.Contains("cpst_task_tokens_total{environment=\"prod\",model=\"gpt-4o\",outcome=\"success\",token_type=\"input\",use_case=\"support\",variant=\"none\"}", protobuf.Keys);
        Assert.Contains(protobuf.Keys, k => k.Contains("use_case=\"we\"ird\\use\ncase\"", StringComparison.Ordinal)); // unescaped: protobuf has no escaping
    }

    [Fact]
    public void Write_Protobuf_FamiliesOfTheTextInItsOrder_WithHelpAndType()
    {
        MetricsWriterTests.Counted counted = MetricsWriterTests.FixedMetrics();
        string text = Encoding.UTF8.GetString(Render(counted, ExpositionFormat.Text));
        List<MetricFamily> families = ExpositionSamples.DecodeProtobuf(Render(counted, ExpositionFormat.Protobuf));

        string[] textFamilies = Regex.Matches(text, "^# TYPE (\\S+) (\\S+)$", RegexOptions.Multiline).Select(m => $"{m.Groups[1]} {m.Groups[2]}").ToArray();
        Assert.Equal(textFamilies, families.Select(f => $"{f.Name} {f.Type.ToString().ToLowerInvariant()}"));
        foreach (MetricFamily family in families)
        {
            Assert.Equal(MetricCatalogue.All.ToArray().Single(m => m.Name == family.Name).Help, family.Help);
            Assert.NotEmpty(family.Metric);
        }
    }

    [Fact]
    public void Write_Protobuf_ExemplarsOfOpenMetrics_OnTheTaskCostAndTheBuckets()
    {
        MetricsWriterTests.Counted counted = MetricsWriterTests.FixedMetrics();
        string openMetrics = Encoding.UTF8.GetString(Render(counted, ExpositionFormat.OpenMetrics));
        List<MetricFamily> families = ExpositionSamples.DecodeProtobuf(Render(counted, ExpositionFormat.Protobuf));

        // OpenMetrics: `… # {trace_id="…"} value seconds.millis`, in the order written.
        string[] expected = Regex.Matches(openMetrics, "^(cpst_task_cost_usd_total|cpst_cost_per_task_usd_bucket)\\{.*\\} \\S+ # \\{trace_id=\"([0-9a-f]{32})\"\\} (\\S+) (\\S+)$",
            RegexOptions.Multiline).Select(m => $"{m.Groups[2]} {decimal.Parse(m.Groups[3].Value, System.Globalization.CultureInfo.InvariantCulture)} {m.Groups[4]}").ToArray();
        var decoded = new List<string>();
        foreach (Metric metric in families.Single(f => f.Name == "cpst_task_cost_usd_total").Metric)
            if (metric.Counter.Exemplar is { } e) decoded.Add(Show(e));
        foreach (Metric metric in families.Single(f => f.Name == "cpst_cost_per_task_usd").Metric)
            decoded.AddRange(metric.Histogram.Bucket.Where(b => b.Exemplar is not null).Select(b => Show(b.Exemplar)));

        Assert.True(expected.Length >= 8, $"only {expected.Length} exemplars in OpenMetrics");
        Assert.Equal(expected, decoded);
    }

    private static string Show(Proto.Prometheus.Exemplar e)
    {
        Assert.Equal("trace_id", Assert.Single(e.Label).Name);
        long ms = e.Timestamp.Seconds * 1000 + e.Timestamp.Nanos / 1_000_000;
        return $"{e.Label[0].Value} {(decimal)e.Value} {ms / 1000}.{ms % 1000:000}";
    }

    [Fact]
    public void Write_Protobuf_RuntimeFamiliesAsInText()
    {
        using var runtime = new RuntimeMetrics(kestrelMeters: null);
        MetricsWriterTests.Counted counted = MetricsWriterTests.FixedMetrics();
        List<MetricFamily> families = ExpositionSamples.DecodeProtobuf(Render(counted, ExpositionFormat.Protobuf, runtime));
        string text = Encoding.UTF8.GetString(Render(counted, ExpositionFormat.Text, runtime));

        // Exceptions get a series when one is thrown, which other tests may do between the two renderings.
        static bool Steady(string family) => family.StartsWith("dotnet_", StringComparison.Ordinal) && !family.StartsWith("dotnet_exceptions", StringComparison.Ordinal);
        string[] textRuntime = Regex.Matches(text, "^# TYPE (\\S+) (\\S+)$", RegexOptions.Multiline).Where(m => Steady(m.Groups[1].Value))
            .Select(m => $"{m.Groups[1]} {m.Groups[2]}").ToArray();
        Assert.True(textRuntime.Length >= 8, $"only {textRuntime.Length} runtime families");
        Assert.Equal(textRuntime, families.Where(f => Steady(f.Name)).Select(f => $"{f.Name} {f.Type.ToString().ToLowerInvariant()}"));
        MetricFamily collections = families.Single(f => f.Name == "dotnet_gc_collections_total");
        Assert.Equal(MetricType.Counter, collections.Type);
        Assert.All(collections.Metric, m => Assert.Equal("gc_heap_generation", Assert.Single(m.Label).Name));
        MetricFamily heap = families.Single(f => f.Name == "dotnet_gc_last_collection_heap_size_bytes");
        Assert.Equal(MetricType.Gauge, heap.Type);
    }

    [Fact]
    public void Write_Protobuf_NoSeries_NoEmptyFamily()
    {
        var metrics = new CpstMetrics(100, new Dictionary<string, UseCaseOptions>(), TimeProvider.System);
        List<MetricFamily> families = ExpositionSamples.DecodeProtobuf(Render(metrics, ExpositionFormat.Protobuf));

        Assert.DoesNotContain(families, f => f.Name == "cpst_tasks_total" || f.Name == "cpst_cost_per_task_usd");
        Assert.All(families, f => Assert.NotEmpty(f.Metric));
        Assert.Equal(0, families.Single(f => f.Name == "cpst_pending_tasks").Metric.Single().Gauge.Value);
    }

    /// <summary>The Accept header Prometheus 2.42 sends with <c>--enable-feature=native-histograms</c>.</summary>
    internal const string PrometheusProtobufAccept =
        "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited,application/openmetrics-text;version=1.0.0;q=0.8,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";

    [Fact]
    public async Task Scrape_PrometheusProtobufAccept_AnswersDelimitedMetricFamilies()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var client = new HttpClient();
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(EndToEnd.HttpReceiverTests.ReadmeTrace));
        body.Headers.ContentType = new("application/json");
        (await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), body)).EnsureSuccessStatusCode();
        exporter.Settle();

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, "/metrics"));
        request.Headers.TryAddWithoutValidation("Accept", PrometheusProtobufAccept);
        using HttpResponseMessage response = await client.SendAsync(request);
        response.EnsureSuccessStatusCode();
        byte[] exposition = await response.Content.ReadAsByteArrayAsync();
        List<MetricFamily> families = ExpositionSamples.DecodeProtobuf(exposition);

        Assert.Equal(ExpositionFormatNegotiation.ProtobufContentType, response.Content.Headers.ContentType!.ToString());
        Assert.Equal(exposition.Length, response.Content.Headers.ContentLength);
        Assert.Equal(1, families.Single(f => f.Name == "cpst_tasks_total").Metric.Single().Counter.Value);
        Assert.Equal(1ul, families.Single(f => f.Name == "cpst_cost_per_task_usd").Metric.Single().Histogram.SampleCount);
        Assert.Contains(families, f => f.Name.StartsWith("kestrel_", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_Protobuf_CostHistogramIsNative_BucketsAsTheLogarithmGives_SumAndCountExact()
    {
        decimal[] costs = [0m, 0.0000005m, 0.000001m, 0.00042m, 0.0045m, 0.0045m, 0.0046m, 0.03m, 0.12m, 0.125m, 0.125m, 1.5m, 12.34m, 999.99m, 2500m];
        var metrics = new CpstMetrics(100, new Dictionary<string, UseCaseOptions>(), TimeProvider.System);
        var labels = new TaskLabels("support", Outcome.Success, "gpt-4o", "prod", "none");
        for (int i = 0; i < costs.Length; i++)
            metrics.TaskFinished(new TaskRecord(new TraceId(7, (ulong)i + 1), labels, costs[i], 1, 0, 10, 1, DateTimeOffset.UnixEpoch.AddSeconds(i), FinishReason.Settled));

        Histogram h = ExpositionSamples.DecodeProtobuf(Render(metrics, ExpositionFormat.Protobuf))
            .Single(f => f.Name == "cpst_cost_per_task_usd").Metric.Single().Histogram;

        // Expected: bucket i of schema 3 is (2^((i-1)/8), 2^(i/8)], i = ⌈8·log2(cost)⌉; at most 2^-20 is the zero
        // bucket; above 2^10 counts in the last bucket, 80.
        var expected = new SortedDictionary<int, ulong>();
        ulong expectedZero = 0;
        foreach (decimal cost in costs)
        {
            if ((double)cost <= Math.ScaleB(1, -20))
            {
                expectedZero++;
                continue;
            }
            int index = Math.Min(80, (int)Math.Ceiling(Math.Log2((double)cost) * 8));
            expected[index] = expected.GetValueOrDefault(index) + 1;
        }
        Assert.Equal(3, h.Schema);
        Assert.Equal(Math.ScaleB(1, -20), h.ZeroThreshold);
        Assert.Equal(expectedZero, h.ZeroCount);
        Assert.Equal(expected, NativeBuckets(h));
        Assert.Equal((ulong)costs.Length, h.SampleCount);
        Assert.Equal((double)costs.Sum(), h.SampleSum);
        // The classic buckets ride along in the same message, and the exemplars in the native histogram's own list.
        Assert.Equal(CostHistogramSeries.Bounds.Select(b => (double)b), h.Bucket.Select(b => b.UpperBound));
        Assert.Equal((ulong)costs.Count(c => c <= 0.01m), h.Bucket.Single(b => b.UpperBound == 0.01).CumulativeCount);
        Assert.Equal(h.Bucket.Where(b => b.Exemplar is not null).Select(b => b.Exemplar), h.Exemplars.Take(h.Bucket.Count(b => b.Exemplar is not null)));
        Assert.NotEmpty(h.Exemplars);
    }

    /// <summary>The native buckets of a histogram message, by index: the spans walked, the deltas added up.</summary>
    private static SortedDictionary<int, ulong> NativeBuckets(Histogram h)
    {
        var buckets = new SortedDictionary<int, ulong>();
        int index = 0, delta = 0;
        long count = 0;
        for (int s = 0; s < h.PositiveSpan.Count; s++)
        {
            index += h.PositiveSpan[s].Offset;
            for (int b = 0; b < h.PositiveSpan[s].Length; b++, index++)
            {
                count += h.PositiveDelta[delta++];
                if (count != 0) buckets[index] = (ulong)count;
            }
        }
        Assert.Equal(h.PositiveDelta.Count, delta);
        return buckets;
    }
}
