using CpstExporter.Pricing;
using System.Text;
using System.Text.RegularExpressions;
using CpstExporter.Aggregation;
using CpstExporter.Billing;
using CpstExporter.Conventions;
using CpstExporter.Exposition;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace CpstExporter.Tests.Exposition;

public class MetricsWriterTests
{
    private static readonly DateTimeOffset Start = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    private static TraceId Trace(int n) => TraceId.FromBytes(Convert.FromHexString($"4bf92f3577b34da6a3ce929d0e0e{n:x4}"));

    /// <summary>What a writer writes: the series, and the receivers' counters.</summary>
    internal sealed record Counted(CpstMetrics Metrics, ReceiverCounters Receiving, TaskAssembler? Tasks = null,
        BillStore? Bill = null, TracedCostLedger? Ledger = null, TimeProvider? Clock = null)
    {
        public static implicit operator Counted(CpstMetrics metrics) => new(metrics, new ReceiverCounters());
    }

    /// <summary>A fixed set of finished tasks, calls and counters, the same on every run.</summary>
    internal static Counted FixedMetrics()
    {
        var clock = new FakeTimeProvider(Start);
        var useCases = new Dictionary<string, UseCaseOptions>
        {
            ["support"] = new()
            {
                TargetUsd = 0.50m,
                MonthlyBudgetUsd = 1000m,
                SupportingCosts = new Dictionary<string, decimal> { ["vector_db"] = 730m, ["gpu_reservation"] = 1460m },
            },
            ["billing"] = new() { TargetUsd = 0.25m },
        };
        var metrics = new CpstMetrics(2000, useCases, clock);

        var supportSuccess = new TaskLabels("support", Outcome.Success, "gpt-4o", "prod", "none");
        var supportFailure = new TaskLabels("support", Outcome.Failure, "claude-sonnet-4-5", "prod", "prompt-v2");
        var billingUnknown = new TaskLabels("billing", Outcome.Unknown, "none", "none", "none");
        var escaped = new TaskLabels("we\"ird\\use\ncase", Outcome.Success, "gpt-4o-mini", "prod", "none");

        clock.Advance(TimeSpan.FromMinutes(30));
        metrics.TaskFinished(new TaskRecord(Trace(1), supportSuccess, 0.0045m, 1, 0, 1000, 200, clock.GetUtcNow(), FinishReason.Settled,
            DecidedBy: OutcomeSource.Span));
        clock.Advance(TimeSpan.FromMilliseconds(61_250));
        metrics.TaskFinished(new TaskRecord(Trace(2), supportSuccess, 0.0300m, 3, 2, 5000, 800, clock.GetUtcNow(), FinishReason.Settled,
            DecidedBy: OutcomeSource.Api, Api: new ApiVerdict(Outcome.Success, "human", "checked"), Evaluations: [new EvaluationOutcome("judge", true, 0.9)]));
        metrics.TaskFinished(new TaskRecord(Trace(3), supportFailure, 0.12m, 4, 1, 9000, 1200, clock.GetUtcNow(), FinishReason.Settled,
            DecidedBy: OutcomeSource.Evaluation, Evaluations: [new EvaluationOutcome("judge", true, 0.8), new EvaluationOutcome("tests", false, null)]));
        metrics.TaskFinished(new TaskRecord(Trace(4), billingUnknown, 0m, 0, 0, 0, 0, clock.GetUtcNow(), FinishReason.Evicted));
        metrics.TaskFinished(new TaskRecord(Trace(5), escaped, 1.5m, 2, 0, 100, 10, clock.GetUtcNow(), FinishReason.Settled,
            DecidedBy: OutcomeSource.Span));
        metrics.LateSpan(supportSuccess, new LateContribution(0.001m, 1, 0, 50, 5));

        metrics.CallsCounted("support", new CountedCall(SpanRole.Llm, "openai", "gpt-4o", null, new TokenUsage(1000, 200, 500, 0, 0), 0.003875m, false), 1);
        metrics.CallsCounted("support", new CountedCall(SpanRole.Llm, "openai", "gpt-4o", null, new TokenUsage(2000, 100, 0, 0, 0), 0.006m, false,
            PricingBasis.Table, ServiceTier.Flex, ServiceTierUnpriced: true), 1);
        metrics.CallsCounted("support", new CountedCall(SpanRole.Llm, "anthropic", "claude-sonnet-4-5", null, new TokenUsage(3000, 400, 1000, 500, 100),
            0.012675m, false, PricingBasis.ProviderReported, ServiceTier.Batch), 1);
        metrics.CallsCounted("support", new CountedCall(SpanRole.Llm, "unknown", "mystery-model", null, new TokenUsage(10, 1, 0, 0, 0), 0m, true,
            PricingBasis.Unpriced), 1);
        metrics.RecordToolCall("support", "web_search", 0.01m);
        metrics.RecordToolCall("support", "web_search", 0.01m);
        metrics.RecordToolCall("billing", "calculator", 0m);

        metrics.OutcomeLate();
        metrics.OutcomesDropped(1);
        var receiving = new ReceiverCounters();
        receiving.ReceivedSpans.Add(Protocol.Grpc, 10);
        receiving.ReceivedSpans.Add(Protocol.HttpJson, 2);
        receiving.RejectedSpans.Add(RejectionReason.InvalidTraceId);
        receiving.RejectedRequests.Add(RequestRejection.Malformed);
        receiving.IgnoredAttributes.Add(IgnoredAttributeReason.UnknownCurrency);

        var tasks = new TaskAssembler(new TaskOptions(), clock);
        SpanFacts[] pending = [.. Enumerable.Range(1, 3).Select(t => new SpanFacts { TraceId = Trace(100 + t), SpanId = 1, IsRoot = true })];
        tasks.Add(pending, new CallPrice[pending.Length], new TaskDecisions()); // three tasks pending

        // A bill: OpenAI's API for two projects, a FOCUS export for Bedrock with one failed import; traced cost beside it.
        var bill = new BillStore(new ReconciliationOptions(), clock, NullLogger<BillStore>.Instance);
        DateOnly today = DateOnly.FromDateTime(Start.UtcDateTime), yesterday = today.AddDays(-1), lastMonth = today.AddDays(-5);
        bill.Replace(new BillSnapshot(BillingSource.OpenAI, "2026-11", [new BilledAmount(yesterday, "openai", "proj_a", 0.02m),
            new BilledAmount(yesterday, "openai", "proj_b", 0.005m), new BilledAmount(lastMonth, "openai", "proj_a", 1.25m)]));
        bill.Replace(new BillSnapshot(BillingSource.Focus, "bedrock.csv", [new BilledAmount(lastMonth, "aws.bedrock", "123456789012", 4m)]));
        bill.Failed(BillingSource.Focus, "a file could not be read");
        var ledger = new TracedCostLedger(2000, clock, metrics.Supporting, accrueWhenSaved: false, allocating: false, NullLogger<TracedCostLedger>.Instance);
        ledger.Record([new CountedCalls("support", new CountedCall(SpanRole.Llm, "openai", "gpt-4o", null, default, 0.0175m, false, EndDay: yesterday), 2)]);

        clock.Advance(TimeSpan.FromMinutes(60) - TimeSpan.FromMilliseconds(61_250)); // 90 minutes since start
        return new(metrics, receiving, tasks, bill, ledger, clock);
    }

    private static string Render(Counted counted, ExpositionFormat format)
    {
        var writer = new MetricsWriter(counted.Metrics, counted.Receiving, new ProcessMetrics(), () => "0123456789ab", "0.1.0", tasks: counted.Tasks,
            bill: counted.Bill, ledger: counted.Ledger, time: counted.Clock);
        var buffer = new ExpositionBuffer(256); // small, so the buffer has to grow
        writer.Write(buffer, format);
        return Encoding.UTF8.GetString(buffer.Written.Span);
    }

    /// <summary>The process_* families change on every run; everything else is fixed.</summary>
    private static string WithoutProcessMetrics(string exposition) => string.Join('\n', exposition.Split('\n')
        .Where(line => !line.StartsWith("process_", StringComparison.Ordinal)
                       && !line.StartsWith("# HELP process_", StringComparison.Ordinal)
                       && !line.StartsWith("# TYPE process_", StringComparison.Ordinal)));

    private static void AssertGolden(string name, string actual)
    {
        string golden = Path.Combine(AppContext.BaseDirectory, "golden", name);
        if (Environment.GetEnvironmentVariable("CPST_UPDATE_GOLDEN") == "1")
        {
            File.WriteAllText(Path.Combine(RepoFiles.Root, "tests", "CpstExporter.Tests", "golden", name), actual);
            return;
        }
        Assert.True(File.Exists(golden), $"missing golden file {golden}; run with CPST_UPDATE_GOLDEN=1 to write it, then review it");
        Assert.Equal(File.ReadAllText(golden).ReplaceLineEndings("\n"), actual);
    }

    [Fact]
    public void Write_Text004_MatchesGoldenFile()
    {
        AssertGolden("exposition.txt", WithoutProcessMetrics(Render(FixedMetrics(), ExpositionFormat.Text)));
    }

    [Fact]
    public void Write_OpenMetrics_MatchesGoldenFile()
    {
        AssertGolden("exposition.openmetrics.txt", WithoutProcessMetrics(Render(FixedMetrics(), ExpositionFormat.OpenMetrics)));
    }

    [Fact]
    public void Write_ProcessMetrics_PresentInBothFormats()
    {
        foreach (ExpositionFormat format in new[] { ExpositionFormat.Text, ExpositionFormat.OpenMetrics })
        {
            string text = Render(FixedMetrics(), format);
            Assert.Matches(new Regex(@"^process_cpu_seconds_total \d", RegexOptions.Multiline), text);
            Assert.Matches(new Regex(@"^process_resident_memory_bytes \d+$", RegexOptions.Multiline), text);
            Assert.Matches(new Regex(@"^process_start_time_seconds \d+(\.\d+)?$", RegexOptions.Multiline), text);
        }
    }

    [Fact]
    public void Write_OpenMetrics_EndsWithOneEof()
    {
        string text = Render(FixedMetrics(), ExpositionFormat.OpenMetrics);

        Assert.EndsWith("\n# EOF\n", text);
        Assert.Single(Regex.Matches(text, "^# EOF$", RegexOptions.Multiline));
    }

    [Fact]
    public void Write_Text_HasNoEofAndNoExemplars()
    {
        string text = Render(FixedMetrics(), ExpositionFormat.Text);

        Assert.DoesNotContain("# EOF", text);
        Assert.DoesNotContain(" # {", text);
        Assert.EndsWith("\n", text);
    }

    [Fact]
    public void Write_EveryFamily_HelpThenTypeThenOnlyItsSamples()
    {
        foreach (ExpositionFormat format in new[] { ExpositionFormat.Text, ExpositionFormat.OpenMetrics })
        {
            bool om = format == ExpositionFormat.OpenMetrics;
            string[] lines = Render(FixedMetrics(), format).TrimEnd('\n').Split('\n');
            string? family = null, type = null, helpFor = null;
            foreach (string line in lines)
            {
                if (line == "# EOF") continue;
                if (line.StartsWith("# HELP ", StringComparison.Ordinal))
                {
                    helpFor = line.Split(' ')[2];
                    continue;
                }
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    string[] parts = line.Split(' ');
                    Assert.Equal(helpFor, parts[2]);
                    (family, type) = (parts[2], parts[3]);
                    if (om && type == "counter") Assert.False(family.EndsWith("_total", StringComparison.Ordinal), line);
                    if (!om && type == "counter") Assert.EndsWith("_total", family);
                    continue;
                }
                Assert.NotNull(family);
                string sample = line[..line.IndexOfAny(['{', ' '])];
                string[] allowed = type switch
                {
                    "counter" => om ? [family + "_total"] : [family],
                    "histogram" => [family + "_bucket", family + "_sum", family + "_count"],
                    _ => [family],
                };
                Assert.Contains(sample, allowed);
            }
        }
    }

    [Fact]
    public void Write_EveryFamilyOfTheCatalogue_InItsOrder_WithItsHelpAndType()
    {
        var useCases = new Dictionary<string, UseCaseOptions>
        {
            ["support"] = new()
            {
                TargetUsd = 0.5m, MonthlyBudgetUsd = 100m, SpikeFactor = 1.5m, MinTasksPerHour = 10,
                SupportingCosts = new Dictionary<string, decimal> { ["vector_db"] = 730m },
            },
        };
        Counted counted = FixedMetrics();
        counted.Metrics.ApplyUseCases(useCases);

        foreach (ExpositionFormat format in new[] { ExpositionFormat.Text, ExpositionFormat.OpenMetrics })
        {
            bool om = format == ExpositionFormat.OpenMetrics;
            string[] headers = Render(counted, format).Split('\n').Where(l => l.StartsWith("# HELP ", StringComparison.Ordinal)).ToArray();
            string[] expected = MetricCatalogue.All.ToArray().Select(m =>
                $"# HELP {(om && m.Type == MetricType.Counter ? m.Name[..^"_total".Length] : m.Name)} {m.Help}").ToArray();

            Assert.Equal(expected, headers);
        }
    }

    [Fact]
    public void Write_ScrapesAtOnce_SameOutput_SeriesUnchanged()
    {
        var metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), new FakeTimeProvider(TestClock.Start));
        for (int i = 0; i < 100; i++)
        {
            var labels = new TaskLabels($"use-{i}", Outcome.Success, "gpt-4o", "prod", "none");
            metrics.TaskFinished(new TaskRecord(new TraceId(1, (ulong)i + 1), labels, 0.01m, 1, 0, 10, 1, DateTimeOffset.UnixEpoch, FinishReason.Settled));
            metrics.RecordLlmCall($"use-{i}", "openai", "gpt-4o", new TokenUsage(10, 1, 0, 0, 0), 0.01m);
        }
        string[] labelValuesBefore = metrics.Tasks.All.ToArray().Select(s => string.Join(',', s.LabelValues)).ToArray();

        // The writer encodes each label set once, for itself, whichever scrape comes first.
        var writer = new MetricsWriter(metrics, new ReceiverCounters(), new ProcessMetrics(), () => "0123456789ab", "0.1.0");
        string[] outputs = Enumerable.Range(0, 8).AsParallel().WithDegreeOfParallelism(4).Select(_ =>
        {
            var buffer = new ExpositionBuffer(256);
            writer.Write(buffer, ExpositionFormat.Text);
            return WithoutProcessMetrics(Encoding.UTF8.GetString(buffer.Written.Span));
        }).ToArray();

        Assert.All(outputs, o => Assert.Equal(outputs[0], o));
        Assert.Equal(100, outputs[0].Split('\n').Count(l => l.StartsWith("cpst_tasks_total{", StringComparison.Ordinal)));
        Assert.Equal(labelValuesBefore, metrics.Tasks.All.ToArray().Select(s => string.Join(',', s.LabelValues)));
    }

    [Fact]
    public void Write_OpenMetrics_ExemplarsAreTraceIdValueAndTimestamp()
    {
        string text = Render(FixedMetrics(), ExpositionFormat.OpenMetrics);
        string[] withExemplars = text.Split('\n').Where(l => l.Contains(" # {", StringComparison.Ordinal)).ToArray();

        Assert.NotEmpty(withExemplars);
        Assert.All(withExemplars, line => Assert.Matches(
            @"^(cpst_task_cost_usd_total|cpst_cost_per_task_usd_bucket)\{[^}]*\} [0-9.]+ # \{trace_id=""[0-9a-f]{32}""\} [0-9.]+ \d{10}\.\d{3}$", line));
        // The latest task of the series is its exemplar: trace 2, 0.03 USD, finished 30 min 61.25 s after the start.
        long seconds = Start.AddMinutes(30).AddMilliseconds(61_250).ToUnixTimeSeconds();
        Assert.Contains(withExemplars, line => line.StartsWith("cpst_task_cost_usd_total{use_case=\"support\",outcome=\"success\"", StringComparison.Ordinal)
            && line.EndsWith($" # {{trace_id=\"{Trace(2)}\"}} 0.03 {seconds}.250", StringComparison.Ordinal));
    }

    [Fact]
    public void Write_AlertThresholds_OneGaugePerConfiguredUseCase()
    {
        var useCases = new Dictionary<string, UseCaseOptions>
        {
            ["support"] = new() { SpikeFactor = 1.25m, MinTasksPerHour = 100 },
            ["search"] = new() { SpikeFactor = 2m },
            ["billing"] = new() { TargetUsd = 0.25m },
        };
        var metrics = new CpstMetrics(2000, useCases, new FakeTimeProvider(TestClock.Start));

        foreach (ExpositionFormat format in new[] { ExpositionFormat.Text, ExpositionFormat.OpenMetrics })
        {
            string text = Render(metrics, format);

            Assert.Contains("# TYPE cpst_spike_factor gauge\n", text);
            Assert.Equal(1.25m, MetricsText.Required(text, "cpst_spike_factor{use_case=\"support\"}"));
            Assert.Equal(2m, MetricsText.Required(text, "cpst_spike_factor{use_case=\"search\"}"));
            Assert.Contains("# TYPE cpst_min_tasks_per_hour gauge\n", text);
            Assert.Equal(100m, MetricsText.Required(text, "cpst_min_tasks_per_hour{use_case=\"support\"}"));
            // Not configured: no sample, and the recording rules use their defaults.
            Assert.DoesNotContain("cpst_spike_factor{use_case=\"billing\"}", text);
            Assert.DoesNotContain("cpst_min_tasks_per_hour{use_case=\"search\"}", text);
        }
    }

    [Fact]
    public void Write_NoAlertThresholdsConfigured_NoThresholdFamilies()
    {
        string text = Render(FixedMetrics(), ExpositionFormat.Text);

        Assert.DoesNotContain("cpst_spike_factor", text);
        Assert.DoesNotContain("cpst_min_tasks_per_hour", text);
    }

    [Fact]
    public void Write_SupportingCost_AccruedForTheElapsedTime()
    {
        string text = Render(FixedMetrics(), ExpositionFormat.Text);

        // 90 minutes of 730 USD and 1460 USD a month at 730 hours a month.
        Assert.Equal(1.5m, MetricsText.Required(text, "cpst_supporting_cost_usd_total{use_case=\"support\",item=\"vector_db\"}"));
        Assert.Equal(3m, MetricsText.Required(text, "cpst_supporting_cost_usd_total{use_case=\"support\",item=\"gpu_reservation\"}"));
    }

    [Fact]
    public void Write_LabelValueWithNewline_CannotStartANewLine()
    {
        var metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), new FakeTimeProvider(TestClock.Start));
        var labels = new TaskLabels("x\"}\ncpst_tasks_total{use_case=\"forged\"} 1000000\n# EOF", Outcome.Success, "m\\", "prod", "none");
        metrics.TaskFinished(new TaskRecord(new TraceId(1, 1), labels, 0.5m, 0, 0, 0, 0, DateTimeOffset.UnixEpoch, FinishReason.Settled));

        foreach (ExpositionFormat format in new[] { ExpositionFormat.Text, ExpositionFormat.OpenMetrics })
        {
            string[] lines = Render(metrics, format).Split('\n');
            Assert.DoesNotContain(lines, l => l.StartsWith("cpst_tasks_total{use_case=\"forged\"}", StringComparison.Ordinal));
            Assert.Equal(format == ExpositionFormat.OpenMetrics ? 1 : 0, lines.Count(l => l == "# EOF"));
            Assert.Contains(
                "cpst_tasks_total{use_case=\"x\\\"}\\ncpst_tasks_total{use_case=\\\"forged\\\"} 1000000\\n# EOF\",outcome=\"success\",model=\"m\\\\\",environment=\"prod\",variant=\"none\"} 1",
                lines);
        }
    }

    [Fact]
    public void Write_NoTasksOrCalls_StillWritesSelfMetrics()
    {
        var metrics = new CpstMetrics(2000, new Dictionary<string, UseCaseOptions>(), new FakeTimeProvider(TestClock.Start));

        string text = Render(metrics, ExpositionFormat.Text);

        Assert.DoesNotContain("# TYPE cpst_tasks_total", text);
        Assert.DoesNotContain("\ncpst_tasks_total", text);
        Assert.DoesNotContain("cpst_target_usd", text);
        Assert.Equal(0m, MetricsText.Required(text, "cpst_pending_tasks"));
        Assert.Equal(1m, MetricsText.Required(text, "cpst_build_info{version=\"0.1.0\"}"));
        Assert.Equal(1m, MetricsText.Required(text, "cpst_pricing_info{version=\"0123456789ab\"}"));
        Assert.Equal(0m, MetricsText.Required(text, "cpst_received_spans_total{protocol=\"grpc\"}"));
    }

    /// <summary>The counter <c>cpst_task_cost_usd_total</c> is family <c>cpst_task_cost_usd</c>; the histogram is <c>cpst_cost_per_task_usd</c>.</summary>
    [Fact]
    public void Write_OpenMetrics_FamilyNamesAreUnique()
    {
        string text = Render(FixedMetrics(), ExpositionFormat.OpenMetrics);
        string[] families = text.Split('\n').Where(l => l.StartsWith("# TYPE ", StringComparison.Ordinal)).Select(l => l.Split(' ')[2]).ToArray();

        Assert.Equal(families.Length, families.Distinct().Count());
    }
    /// <summary>Every series at the largest value it can hold: money at decimal's maximum, counts at long's.</summary>
    private static Counted PinnedMetrics()
    {
        var clock = new FakeTimeProvider(Start);
        var useCases = new Dictionary<string, UseCaseOptions>
        {
            ["support"] = new() { TargetUsd = decimal.MaxValue, MonthlyBudgetUsd = decimal.MaxValue, SupportingCosts = { ["gpu"] = decimal.MaxValue } },
        };
        var metrics = new CpstMetrics(2, useCases, clock);
        var max = new TokenUsage(long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue, long.MaxValue);
        for (int i = 0; i < 4; i++) // two label sets, then the overflow series, all pinned
        {
            var labels = new TaskLabels($"use-{i}", Outcome.Success, "gpt-4o", "prod", "none");
            for (int n = 0; n < 2; n++)
            {
                metrics.TaskFinished(new TaskRecord(Trace(i), labels, decimal.MaxValue, int.MaxValue, int.MaxValue, long.MaxValue, long.MaxValue,
                    clock.GetUtcNow(), FinishReason.Settled));
                metrics.LateSpan(labels, new LateContribution(decimal.MaxValue, int.MaxValue, int.MaxValue, long.MaxValue, long.MaxValue));
                metrics.RecordLlmCall($"use-{i}", "openai", "gpt-4o", in max, decimal.MaxValue);
                metrics.RecordToolCall($"use-{i}", "search", decimal.MaxValue);
                metrics.RecordUnpricedCall($"use-{i}", "mystery");
            }
        }
        foreach (CostHistogramSeries series in metrics.CostHistogram.All) SeriesState.SetEveryBucketCount(series, long.MaxValue - 1);
        foreach (CountSeries series in metrics.UnpricedCalls.All) SeriesState.SetCount(series, long.MaxValue);
        metrics.RecordUnpricedCall("use-0", "mystery");
        var receiving = new ReceiverCounters();
        receiving.ReceivedSpans.Add(Protocol.Grpc, long.MaxValue);
        receiving.ReceivedSpans.Add(Protocol.Grpc, 1);
        clock.Advance(TimeSpan.FromDays(365));
        return new(metrics, receiving);
    }

    [Fact]
    public void Write_EverySeriesAtItsMaximum_WritesExactPinnedValuesInBothFormats()
    {
        foreach (ExpositionFormat format in new[] { ExpositionFormat.Text, ExpositionFormat.OpenMetrics })
        {
            string text = Render(PinnedMetrics(), format);

            const string Task = "use_case=\"use-0\",outcome=\"success\",model=\"gpt-4o\",environment=\"prod\",variant=\"none\"";
            Assert.Equal(decimal.MaxValue, MetricsText.Required(text, $"cpst_task_cost_usd_total{{{Task}}}"));
            Assert.Equal(long.MaxValue, MetricsText.Required(text, $"cpst_task_tokens_total{{{Task},token_type=\"input\"}}"));
            Assert.Equal(2, MetricsText.Required(text, $"cpst_tasks_total{{{Task}}}"));
            Assert.Equal(decimal.MaxValue, MetricsText.Required(text, "cpst_llm_cost_usd_total{use_case=\"__overflow__\",provider=\"__overflow__\",model=\"__overflow__\"}"));
            Assert.Equal(long.MaxValue, MetricsText.Required(text, "cpst_llm_tokens_total{use_case=\"__overflow__\",provider=\"__overflow__\",model=\"__overflow__\",token_type=\"reasoning\"}"));
            Assert.Equal(long.MaxValue, MetricsText.Required(text, "cpst_unpriced_llm_calls_total{use_case=\"use-0\",model=\"mystery\"}"));
            Assert.Equal(long.MaxValue, MetricsText.Required(text, "cpst_received_spans_total{protocol=\"grpc\"}"));
            Assert.Equal(decimal.MaxValue / SupportingCostAccrual.TicksPerMonth,
                MetricsText.Required(text, "cpst_supporting_cost_usd_total{use_case=\"support\",item=\"gpu\"}"));
            Assert.Equal(decimal.MaxValue, MetricsText.Required(text, "cpst_target_usd{use_case=\"support\"}"));

            // Cumulative buckets stop at the maximum instead of wrapping negative, and +Inf equals _count.
            decimal[] buckets = MetricsText.Samples(text, "cpst_cost_per_task_usd_bucket")
                .Where(b => b.Labels.StartsWith("use_case=\"use-0\"", StringComparison.Ordinal)).Select(b => b.Value).ToArray();
            Assert.Equal(CostHistogramSeries.Bounds.Length + 1, buckets.Length);
            Assert.Equal(long.MaxValue - 1, buckets[0]);
            Assert.All(buckets.Skip(1), b => Assert.Equal(long.MaxValue, b));
            Assert.Equal(long.MaxValue, MetricsText.Required(text, "cpst_cost_per_task_usd_count{use_case=\"use-0\",outcome=\"success\"}"));
            Assert.Equal(decimal.MaxValue, MetricsText.Required(text, "cpst_cost_per_task_usd_sum{use_case=\"use-0\",outcome=\"success\"}"));

            // Every sample line is a name, labels and a plain number (an exemplar after it in OpenMetrics).
            foreach (string line in text.Split('\n').Where(l => l.Length > 0 && l[0] != '#'))
                Assert.Matches(SampleLine, line);
        }
    }

    private static readonly Regex SampleLine = new(
        @"^[a-z_]+(\{[^}]*\})? -?[0-9]+(\.[0-9]+)?( # \{trace_id=""[0-9a-f]{32}""\} [0-9]+(\.[0-9]+)? [0-9]+\.[0-9]{3})?$");

    [RequiresBinaryFact("promtool")]
    public async Task Write_EverySeriesAtItsMaximum_PromtoolFindsNoProblem()
    {
        string text = Render(PinnedMetrics(), ExpositionFormat.Text);

        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", "check metrics", text);

        Assert.True(exitCode == 0 && output.Trim().Length == 0, $"promtool check metrics (exit {exitCode}):\n{output}");
    }
}
