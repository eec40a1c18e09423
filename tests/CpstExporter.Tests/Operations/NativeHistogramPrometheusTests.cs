using System.Globalization;
using System.Text.Json;
using Google.Protobuf;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// A real Prometheus (Debian's 2.42) with native histograms on scrapes the exporter: it asks for the protobuf format and
/// stores <c>cpst_cost_per_task_usd</c> as native histogram samples, whose quantiles answer within a bucket's width.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class NativeHistogramPrometheusTests
{
    /// <summary>Schema 3: a bucket is 2^(1/8) times as wide as the one below, so a value interpolated in one is off by at most this share.</summary>
    private static readonly double BucketError = Math.Pow(2, 1.0 / 8) - 1;

    [RequiresBinaryFact("prometheus")]
    public async Task Prometheus_NativeHistogramsOn_StoresNativeSamples_QuantileWithinTheSchemasError()
    {
        // 41 tasks of one LLM call each, from 100 to 147,000 input tokens (a fifth more each) at the table's $3 per
        // million (under its long-context tier): from $0.0003 to $0.44, spread over three orders of magnitude.
        long[] tokens = Enumerable.Range(0, 41).Select(i => (long)Math.Round(100 * Math.Pow(1.2, i))).ToArray();
        decimal[] costs = tokens.Select(t => t * 3m / 1_000_000).ToArray();
        await using var exporter = await ExporterUnderTest.StartAsync();
        using var client = new HttpClient();
        for (int i = 0; i < tokens.Length; i++)
        {
            int trace = 5000 + i;
            byte[] request = Spans.Request("cost-spread", Spans.Root(trace, Spans.Attr("outcome", "success")),
                Spans.Llm(trace, 2, "claude-sonnet-4-5", tokens[i], 0, Spans.Attr("gen_ai.provider.name", "anthropic"))).ToByteArray();
            var body = new ByteArrayContent(request);
            body.Headers.ContentType = new("application/x-protobuf");
            (await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), body)).EnsureSuccessStatusCode();
        }
        exporter.Settle();

        await using PrometheusServer prometheus = await PrometheusServer.StartAsync(exporter.MetricsAddress, [], "--enable-feature=native-histograms");
        await prometheus.WaitUntilAsync("41 tasks in the native histogram", async () =>
            await prometheus.ScalarAsync("histogram_count(sum(cpst_cost_per_task_usd))") == costs.Length);

        JsonElement stored = await prometheus.QueryAsync("cpst_cost_per_task_usd");
        Assert.True(stored.GetArrayLength() == 1 && stored[0].TryGetProperty("histogram", out _), $"not a native histogram sample: {stored}");
        // The exact sum, to the precision of a double.
        Assert.Equal((double)costs.Sum(), (await prometheus.ScalarAsync("histogram_sum(sum(cpst_cost_per_task_usd))"))!.Value, 1e-12);
        decimal[] sorted = costs.Order().ToArray();
        foreach (double q in new[] { 0.1, 0.5, 0.9 })
        {
            double truth = (double)sorted[(int)Math.Ceiling(q * costs.Length) - 1];
            double answer = (await prometheus.ScalarAsync(
                $"histogram_quantile({q.ToString(CultureInfo.InvariantCulture)}, sum(cpst_cost_per_task_usd))"))!.Value;
            Assert.True(Math.Abs(answer - truth) <= BucketError * truth,
                $"quantile {q}: Prometheus says {answer}, the costs sent {truth}, more than {BucketError:P2} apart");
        }
    }
}
