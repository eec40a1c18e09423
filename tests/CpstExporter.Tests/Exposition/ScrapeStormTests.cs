using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Google.Protobuf;
using Xunit.Abstractions;

namespace CpstExporter.Tests.Exposition;

/// <summary>
/// Hundreds of scrapes at once of an exposition of more than 10,000 samples, in both formats, while exports go on, on
/// the built exporter as a child process: every scrape is whole, exports are all answered with success, and the
/// scrapes that arrive together share one rendering, so the process's memory does not grow with their number
/// (docs/operations.md, "Storms"). Memory is the process's resident set, so these run alone.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class ScrapeStormTests(ITestOutputHelper output)
{
    private const int UseCases = 8, ModelsPerUseCase = 250, Scrapers = 250, ScrapesEach = 4, Exports = 60;
    private const string OpenMetrics = "application/openmetrics-text; version=1.0.0";

    [Fact]
    public async Task Metrics_HundredsOfConcurrentScrapesOfTenThousandSamples_AllWholeAndExportsAnswered()
    {
        await using ExporterProcess exporter = await ExporterProcess.StartAsync("--Cpst:Tasks:SettleSeconds=1");
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(120) };
        await FillAsync(client, exporter);
        string before = "";
        await Poll.UntilAsync(async () =>
        {
            before = Encoding.UTF8.GetString(await ScrapeAsync(client, exporter, accept: null));
            return MetricsText.Sum(before, "cpst_tasks_total") == UseCases * ModelsPerUseCase;
        }, "the filling tasks to finish", TimeSpan.FromSeconds(60));
        int samples = Samples(before);
        Assert.True(samples >= 10_000, $"{samples} samples");
        if (Binaries.Find("promtool") is null) output.WriteLine("promtool not found: the scrape is not linted");
        else Assert.Equal("", await Promtool.ProblemsAsync(before));

        var quiet = new List<TimeSpan>();
        for (int i = 0; i < 20; i++) quiet.Add(await TimedExportAsync(client, exporter, 90_000 + i));

        long rssBefore = ProcessMemory.ResidentBytes(exporter.Id) ?? 0;
        var stormy = new System.Collections.Concurrent.ConcurrentBag<TimeSpan>();
        using var stop = new CancellationTokenSource();
        Task<long> peak = ProcessMemory.PeakWhileAsync(exporter.Id, stop.Token);
        var exporting = Task.Run(async () =>
        {
            for (int i = 0; i < Exports; i++) stormy.Add(await TimedExportAsync(client, exporter, 100_000 + i));
        });
        var scrapers = Enumerable.Range(0, Scrapers).Select(s => Task.Run(async () =>
        {
            for (int i = 0; i < ScrapesEach; i++)
            {
                bool om = (s + i) % 2 == 0;
                byte[] body = await ScrapeAsync(client, exporter, om ? OpenMetrics : null);
                AssertWhole(body, om, parse: i == 0 && s % 10 == 0);
            }
        })).ToArray();
        await Task.WhenAll([exporting, .. scrapers]);
        await stop.CancelAsync();
        long rssPeak = await peak;

        output.WriteLine($"{samples} samples, {before.Length / 1024} KiB a text scrape; {Scrapers} scrapers × {ScrapesEach}: " +
            $"RSS {rssBefore / 1024 / 1024} MiB before, {rssPeak / 1024 / 1024} MiB at the peak of the storm");
        // Measured, not asserted: how long an export took to be answered, alone and during the storm.
        output.WriteLine($"exports answered in {Percentiles(quiet)} alone, {Percentiles(stormy)} during the storm");
        Assert.False(exporter.HasExited, exporter.Output);
        await Poll.UntilAsync(async () =>
            MetricsText.Sum(Encoding.UTF8.GetString(await ScrapeAsync(client, exporter, accept: null)), "cpst_tasks_total") == UseCases * ModelsPerUseCase + Exports + 20,
            "the storm's exports to finish as tasks", TimeSpan.FromSeconds(60));
        // A thousand scrapes of 3 MB each, 250 at a time, each with a rendering of its own, held while it is sent, took
        // 370 MiB and more; shared, and sent a chunk at a time, a few renderings and the connections' buffers.
        Assert.True(rssPeak - rssBefore < 256L * 1024 * 1024,
            $"RSS grew by {(rssPeak - rssBefore) / 1024 / 1024} MiB during the storm (from {rssBefore / 1024 / 1024} MiB)");
    }

    /// <summary>
    /// Whole: as long as it said, from the first family to the last (OpenMetrics ended by # EOF); one scrape in ten
    /// also parsed line by line, with every task there (parsing them all would make the test's own CPU the bottleneck).
    /// </summary>
    private static void AssertWhole(byte[] body, bool om, bool parse)
    {
        Assert.True(body.AsSpan().StartsWith("# HELP cpst_"u8), "a scrape that does not start with the first family");
        Assert.True(body.AsSpan().EndsWith(om ? "\n# EOF\n"u8 : "\n"u8), "a scrape cut short");
        Assert.True(body.AsSpan().IndexOf("\ncpst_config_reload_failures_total{config=\"use_cases\"} "u8) > 0, "a scrape without the last families");
        if (!parse) return;
        string text = Encoding.UTF8.GetString(body);
        Assert.True(Samples(text) >= 10_000, $"a scrape of {body.Length} bytes with {Samples(text)} samples");
        Assert.True(MetricsText.Sum(text, "cpst_tasks_total") >= UseCases * ModelsPerUseCase);
    }

    /// <summary>Sample lines, each checked to end in a number (a value, or a value and an exemplar).</summary>
    private static int Samples(string exposition)
    {
        int samples = 0;
        foreach (string line in exposition.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            string value = line.Split(" # ")[0];
            value = value[(value.LastIndexOf(' ') + 1)..];
            Assert.True(value is "+Inf" or "-Inf" or "NaN" || double.TryParse(value, System.Globalization.CultureInfo.InvariantCulture, out _),
                $"not a sample: {line}");
            samples++;
        }
        return samples;
    }

    /// <summary>2,000 tasks, each of its own use case and model label set: the default limit's worth for the task families.</summary>
    private static async Task FillAsync(HttpClient client, ExporterProcess exporter)
    {
        int trace = 1;
        for (int u = 0; u < UseCases; u++)
        for (int batch = 0; batch < ModelsPerUseCase / 50; batch++)
        {
            var spans = new List<global::CpstExporter.Receiving.Otlp.Span>();
            for (int m = 0; m < 50; m++, trace++)
                spans.AddRange(TraceOf(trace, $"agent-{u}", $"gpt-4o-{batch * 50 + m:D4}-01-01"));
            using HttpResponseMessage response = await PostAsync(client, exporter, [.. spans]);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    private static global::CpstExporter.Receiving.Otlp.Span[] TraceOf(int trace, string useCase, string responseModel) =>
    [
        Spans.Root(trace, Spans.Attr("cpst.use_case", useCase), Spans.Attr("outcome", trace % 3 == 0 ? "failure" : "success")),
        Spans.Llm(trace, 2, "gpt-4o", 1000, 100, Spans.Attr("gen_ai.response.model", responseModel)),
    ];

    private static async Task<TimeSpan> TimedExportAsync(HttpClient client, ExporterProcess exporter, int trace)
    {
        var answered = System.Diagnostics.Stopwatch.StartNew();
        using HttpResponseMessage response = await PostAsync(client, exporter, TraceOf(trace, "storm", "gpt-4o"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return answered.Elapsed;
    }

    internal static string Percentiles(IEnumerable<TimeSpan> times)
    {
        double[] ms = times.Select(t => t.TotalMilliseconds).Order().ToArray();
        return $"median {ms[ms.Length / 2]:F1} ms, max {ms[^1]:F1} ms";
    }

    private static async Task<HttpResponseMessage> PostAsync(HttpClient client, ExporterProcess exporter, params global::CpstExporter.Receiving.Otlp.Span[] spans)
    {
        var content = new ByteArrayContent(Spans.Request("agents", spans).ToByteArray());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        return await client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
    }

    private static async Task<byte[]> ScrapeAsync(HttpClient client, ExporterProcess exporter, string? accept)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(exporter.MetricsAddress, "/metrics"));
        if (accept is not null) request.Headers.TryAddWithoutValidation("Accept", accept);
        using HttpResponseMessage response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        byte[] body = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal(response.Content.Headers.ContentLength, body.Length);
        return body;
    }
}
