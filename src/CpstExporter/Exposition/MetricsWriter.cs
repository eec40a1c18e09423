using System.Buffers;
using System.Diagnostics;
using System.Text;
using CpstExporter.Aggregation;
using CpstExporter.Billing;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Exposition;

/// <summary>
/// Writes every family of <see cref="MetricCatalogue"/>, in its order and with its HELP and TYPE, from the series of
/// <see cref="CpstMetrics"/>, the receivers' <see cref="ReceiverCounters"/> and the process, then the runtime's
/// (<see cref="RuntimeMetrics"/>), in Prometheus text 0.0.4, OpenMetrics 1.0.0 or the Prometheus protobuf format
/// (<see cref="ProtobufExposition"/>), the same samples in each. Each series is copied under its own
/// lock and formatted outside it; names and headers are encoded once, label sets once per series
/// (<see cref="SeriesLabelCache"/>); numbers are formatted in place, so a scrape allocates little beyond the scratch
/// arrays it rents (and what the runtime's observable instruments allocate when <see cref="RuntimeMetrics"/> reads
/// them). The writer only reads the aggregation: nothing it keeps is in a series.
/// </summary>
/// <remarks>The billing families come from the bill (<see cref="BillStore"/>) and the ledger of traced cost, read once per scrape.</remarks>
internal sealed class MetricsWriter(CpstMetrics metrics, ReceiverCounters receiving, ProcessMetrics process, Func<string> pricingVersion, string version,
    Func<long>? pricingReloadFailures = null, RuntimeMetrics? runtime = null, TaskAssembler? tasks = null, TaskStateFile? stateFile = null,
    BillStore? bill = null, TracedCostLedger? ledger = null, TimeProvider? time = null)
{
    /// <summary>The name of each family's samples, by <see cref="MetricId"/>.</summary>
    private static readonly byte[][] Names = Encode(static m => Encoding.UTF8.GetBytes(m.Name));

    /// <summary>Each family's HELP and TYPE lines in text 0.0.4 and in OpenMetrics, by <see cref="MetricId"/>.</summary>
    private static readonly byte[][] TextHeaders = Encode(static m => EncodeHeader(m, om: false));
    private static readonly byte[][] OpenMetricsHeaders = Encode(static m => EncodeHeader(m, om: true));

    /// <summary>Each family's name, help and type fields in the protobuf format, by <see cref="MetricId"/>.</summary>
    private static readonly byte[][] ProtobufHeaders = Encode(static m => ProtobufExposition.EncodeFamilyHeader(m.Name, m.Help, m.Type));

    private static readonly byte[] BucketName = SampleName(MetricId.CostPerTask, "_bucket");
    private static readonly byte[] SumName = SampleName(MetricId.CostPerTask, "_sum");
    private static readonly byte[] CountName = SampleName(MetricId.CostPerTask, "_count");

    /// <summary>The <c>token_type</c> label with each value, by <see cref="TokenType"/>: a task's input and output, an LLM call's every count.</summary>
    private static readonly byte[][] TokenTypesTask = TokenTypes(MetricId.TaskTokens, TokenType.Input, TokenType.Output);
    private static readonly byte[][] TokenTypesLlm = TokenTypes(MetricId.LlmTokens, Enum.GetValues<TokenType>());
    private static readonly byte[][] TokenTypesTaskProtobuf = TokenTypes(MetricId.TaskTokens, ProtobufExposition.EncodeLabel, TokenType.Input, TokenType.Output);
    private static readonly byte[][] TokenTypesLlmProtobuf = TokenTypes(MetricId.LlmTokens, ProtobufExposition.EncodeLabel, Enum.GetValues<TokenType>());
    private static readonly byte[][] BucketBounds =
        CostHistogramSeries.Bounds.Select(b => Encoding.UTF8.GetBytes($"le=\"{b.ToString(System.Globalization.CultureInfo.InvariantCulture)}\""))
            .Append(Encoding.UTF8.GetBytes("le=\"+Inf\"")).ToArray();
    private static readonly double[] BucketBoundsProtobuf = Array.ConvertAll(CostHistogramSeries.Bounds, static b => (double)b);

    private readonly LabelCaches _taskLabels = new(metrics.Tasks.LabelNames);
    private readonly LabelCaches _histogramLabels = new(metrics.CostHistogram.LabelNames);
    private readonly LabelCaches _llmLabels = new(metrics.LlmCalls.LabelNames);
    private readonly LabelCaches _unpricedLabels = new(metrics.UnpricedCalls.LabelNames);
    private readonly LabelCaches _evaluationLabels = new(metrics.Evaluations.LabelNames);
    private readonly LabelCaches _bySourceLabels = new(metrics.OutcomesBySource.LabelNames);
    private readonly LabelCaches _toolLabels = new(metrics.ToolCalls.LabelNames);
    private readonly LabelCaches _basisLabels = new(metrics.ByBasis.LabelNames);
    private readonly LabelCaches _unpricedTierLabels = new(metrics.UnpricedServiceTiers.LabelNames);

    public void Write(ExpositionBuffer o, ExpositionFormat format)
    {
        // The task families are read once, so that the five of them agree.
        ReadOnlySpan<TaskSeries> tasks = metrics.Tasks.All;
        TaskValues[] taskValues = ArrayPool<TaskValues>.Shared.Rent(tasks.Length);
        try
        {
            for (int i = 0; i < tasks.Length; i++) taskValues[i] = tasks[i].Read();
            BillingGauges? billing = bill is not null && ledger is not null ? BillingGauges.Read(bill, ledger, time ?? TimeProvider.System) : null;
            var scrape = new Scrape(format, tasks, taskValues.AsSpan(0, tasks.Length), metrics.UseCases, billing);
            foreach (MetricDescriptor metric in MetricCatalogue.All) WriteFamily(o, new Family(format, metric), in scrape);
        }
        finally
        {
            ArrayPool<TaskValues>.Shared.Return(taskValues);
        }
        runtime?.Write(o, format);
        if (format == ExpositionFormat.OpenMetrics) o.Write("# EOF\n"u8);
    }

    /// <summary>What every family of one scrape reads alike.</summary>
    private readonly ref struct Scrape(ExpositionFormat format, ReadOnlySpan<TaskSeries> tasks, ReadOnlySpan<TaskValues> taskValues,
        IReadOnlyDictionary<string, UseCaseOptions> useCases, BillingGauges? billing)
    {
        public readonly ExpositionFormat Format = format;
        public readonly ReadOnlySpan<TaskSeries> Tasks = tasks;
        public readonly ReadOnlySpan<TaskValues> TaskValues = taskValues;
        public readonly IReadOnlyDictionary<string, UseCaseOptions> UseCases = useCases;
        public readonly BillingGauges? Billing = billing;
    }

    /// <summary>The family being written, and the format it is written in.</summary>
    private readonly struct Family(ExpositionFormat format, MetricDescriptor metric)
    {
        public readonly ExpositionFormat Format = format;
        public readonly MetricDescriptor Metric = metric;
        public bool OpenMetrics => Format == ExpositionFormat.OpenMetrics;
        public bool Protobuf => Format == ExpositionFormat.Protobuf;
        /// <summary>The name of its samples, in the text formats.</summary>
        public byte[] Name => Names[(int)Metric.Id];
    }

    /// <summary>A family's label sets encoded once per series, in the text formats and in the protobuf format.</summary>
    private sealed class LabelCaches(string[] labelNames)
    {
        private readonly SeriesLabelCache _text = new(labelNames);
        private readonly SeriesLabelCache _protobuf = new(labelNames, ProtobufExposition.EncodeLabels);

        public byte[] Get(in Family f, int index, Series series) => (f.Protobuf ? _protobuf : _text).Get(index, series);
    }

    /// <summary>
    /// One family: its header and its samples; nothing for a family of series that has none yet. In the protobuf format
    /// the header opens the family's message, which is closed here once its samples are written.
    /// </summary>
    private void WriteFamily(ExpositionBuffer o, in Family f, in Scrape scrape)
    {
        int start = o.Length;
        WriteSamples(o, f, in scrape);
        if (f.Protobuf && o.Length > start) ProtobufExposition.EndFamily(o, start + 1, ProtobufHeaders[(int)f.Metric.Id].Length);
    }

    private void WriteSamples(ExpositionBuffer o, in Family f, in Scrape scrape)
    {
        MetricDescriptor metric = f.Metric;
        switch (metric.Id)
        {
            case MetricId.Tasks or MetricId.TaskCost or MetricId.TaskLlmCalls or MetricId.TaskToolCalls or MetricId.TaskTokens:
                WriteTaskFamily(o, f, in scrape);
                break;
            case MetricId.CostPerTask:
                WriteCostHistogram(o, f);
                break;

            case MetricId.LlmCalls:
            case MetricId.LlmTokens:
            case MetricId.LlmCost:
                WriteLlmCalls(o, f);
                break;
            case MetricId.UnpricedLlmCalls:
                WriteCounts(o, f, metrics.UnpricedCalls.All, _unpricedLabels);
                break;
            case MetricId.LlmCostByBasis:
            case MetricId.LlmCallsByBasis:
                WriteCallCosts(o, f, metrics.ByBasis.All, _basisLabels, countsCalls: metric.Id == MetricId.LlmCallsByBasis);
                break;
            case MetricId.UnpricedServiceTierCalls:
                WriteCounts(o, f, metrics.UnpricedServiceTiers.All, _unpricedTierLabels);
                break;
            case MetricId.ToolCalls:
            case MetricId.ToolCost:
                WriteCallCosts(o, f, metrics.ToolCalls.All, _toolLabels, countsCalls: metric.Id == MetricId.ToolCalls);
                break;
            case MetricId.Evaluations:
                WriteCounts(o, f, metrics.Evaluations.All, _evaluationLabels);
                break;
            case MetricId.OutcomesBySource:
                WriteCounts(o, f, metrics.OutcomesBySource.All, _bySourceLabels);
                break;

            case MetricId.SupportingCost:
                var supporting = metrics.Supporting.Read();
                if (supporting.Count == 0) break;
                Header(o, f);
                foreach (var (useCase, item, usd) in supporting) Sample(o, f, Labels(f, metric.LabelNames, [useCase, item]), default, usd);
                break;
            case MetricId.Target:
                WriteUseCaseGauge(o, f, scrape.UseCases, static u => u.TargetUsd);
                break;
            case MetricId.MonthlyBudget:
                WriteUseCaseGauge(o, f, scrape.UseCases, static u => u.MonthlyBudgetUsd);
                break;
            case MetricId.SpikeFactor:
                WriteUseCaseGauge(o, f, scrape.UseCases, static u => u.SpikeFactor);
                break;
            case MetricId.MinTasksPerHour:
                bool written = false;
                foreach (var (useCase, options) in scrape.UseCases)
                {
                    if (options.MinTasksPerHour is not long minTasks) continue;
                    if (!written) Header(o, f);
                    written = true;
                    Sample(o, f, Labels(f, metric.LabelNames, [useCase]), default, minTasks);
                }
                break;

            case MetricId.BilledMonthToDate:
                WriteBilled(o, f, scrape.Billing?.MonthToDate);
                break;
            case MetricId.BilledLastDay:
                WriteBilled(o, f, scrape.Billing?.LastDay);
                break;
            case MetricId.LastBilledDay:
                WriteByProvider(o, f, scrape.Billing?.LastBilledDay);
                break;
            case MetricId.TracedLastDay:
                WriteByProvider(o, f, scrape.Billing?.TracedLastDay);
                break;
            case MetricId.BillingCoverage:
                WriteByProvider(o, f, scrape.Billing?.Coverage);
                break;
            case MetricId.BillingLastImport:
                if (scrape.Billing is not { LastImport.Count: > 0 } imported) break;
                Header(o, f);
                foreach (var (source, seconds) in imported.LastImport) Sample(o, f, Labels(f, metric.LabelNames, [source.LabelValue()]), default, seconds);
                break;
            case MetricId.BillingImportFailures:
                if (scrape.Billing is not { Failures.Count: > 0 } failing) break;
                Header(o, f);
                foreach (var (source, failures) in failing.Failures) Sample(o, f, Labels(f, metric.LabelNames, [source.LabelValue()]), default, failures);
                break;

            case MetricId.PendingTasks:
                Header(o, f);
                Sample(o, f, null, default, tasks?.PendingCount ?? 0);
                break;
            case MetricId.ReceivedSpans:
                WriteLabeled(o, f, receiving.ReceivedSpans.Values());
                break;
            case MetricId.RejectedSpans:
                WriteLabeled(o, f, receiving.RejectedSpans.Values());
                break;
            case MetricId.RejectedRequests:
                WriteLabeled(o, f, receiving.RejectedRequests.Values());
                break;
            case MetricId.IgnoredAttributes:
                WriteLabeled(o, f, receiving.IgnoredAttributes.Values());
                break;
            case MetricId.IgnoredLogRecords:
                WriteLabeled(o, f, receiving.IgnoredLogRecords.Values());
                break;
            case MetricId.LateSpans:
                WriteCounter(o, f, metrics.LateSpans);
                break;
            case MetricId.LateOutcomes:
                WriteCounter(o, f, metrics.LateOutcomes);
                break;
            case MetricId.EvictedTasks:
                WriteCounter(o, f, metrics.EvictedTasks);
                break;
            case MetricId.DroppedOutcomes:
                WriteCounter(o, f, metrics.DroppedOutcomes);
                break;
            case MetricId.DuplicateSpans:
                WriteCounter(o, f, metrics.DuplicateSpans);
                break;
            case MetricId.EarlyCountedCalls:
                WriteCounter(o, f, metrics.EarlyCountedCalls);
                break;
            case MetricId.StateSaveFailures:
                WriteCounter(o, f, stateFile?.SaveFailures ?? 0);
                break;
            case MetricId.SeriesOverflow:
                WriteLabeled(o, f, metrics.Overflows.Values());
                break;
            case MetricId.BuildInfo:
                Header(o, f);
                Sample(o, f, Labels(f, metric.LabelNames, [version]), default, 1);
                break;
            case MetricId.PricingInfo:
                Header(o, f);
                Sample(o, f, Labels(f, metric.LabelNames, [pricingVersion()]), default, 1);
                break;
            case MetricId.ConfigReloadFailures:
                Header(o, f);
                Sample(o, f, Labels(f, metric.LabelNames, [ReloadedConfig.Pricing]), default, pricingReloadFailures?.Invoke() ?? 0);
                Sample(o, f, Labels(f, metric.LabelNames, [ReloadedConfig.UseCases]), default, metrics.UseCaseReloadFailures);
                break;

            case MetricId.ProcessCpuSeconds:
                Header(o, f);
                Sample(o, f, null, default, process.CpuSeconds);
                break;
            case MetricId.ProcessResidentMemory:
                Header(o, f);
                Sample(o, f, null, default, process.ResidentMemoryBytes);
                break;
            case MetricId.ProcessStartTime:
                Header(o, f);
                Sample(o, f, null, default, process.StartTimeSeconds);
                break;

            default:
                throw new UnreachableException($"{metric.Name} is in the catalogue but the writer has no samples for it");
        }
    }

    /// <summary>One of the five families of the task series, from the values the scrape read once.</summary>
    private void WriteTaskFamily(ExpositionBuffer o, in Family f, in Scrape scrape)
    {
        ReadOnlySpan<TaskSeries> tasks = scrape.Tasks;
        ReadOnlySpan<TaskValues> v = scrape.TaskValues;
        if (tasks.IsEmpty) return;
        Header(o, f);
        switch (f.Metric.Id)
        {
            case MetricId.Tasks:
                for (int i = 0; i < tasks.Length; i++) Sample(o, f, _taskLabels.Get(f, i, tasks[i]), default, v[i].Tasks);
                break;
            case MetricId.TaskCost:
                for (int i = 0; i < tasks.Length; i++)
                {
                    byte[] labels = _taskLabels.Get(f, i, tasks[i]);
                    if (f.Protobuf)
                    {
                        ProtobufExposition.Sample(o, counter: true, labels, default, (double)v[i].CostUsd, v[i].CostExemplar);
                        continue;
                    }
                    Start(o, f.Name, labels, default);
                    o.Write(v[i].CostUsd);
                    if (f.OpenMetrics) WriteExemplar(o, v[i].CostExemplar);
                    o.Write((byte)'\n');
                }
                break;
            case MetricId.TaskLlmCalls:
                for (int i = 0; i < tasks.Length; i++) Sample(o, f, _taskLabels.Get(f, i, tasks[i]), default, v[i].LlmCalls);
                break;
            case MetricId.TaskToolCalls:
                for (int i = 0; i < tasks.Length; i++) Sample(o, f, _taskLabels.Get(f, i, tasks[i]), default, v[i].ToolCalls);
                break;
            default: // TaskTokens
                byte[][] tokenTypes = f.Protobuf ? TokenTypesTaskProtobuf : TokenTypesTask;
                for (int i = 0; i < tasks.Length; i++)
                {
                    byte[] labels = _taskLabels.Get(f, i, tasks[i]);
                    Sample(o, f, labels, tokenTypes[(int)TokenType.Input], v[i].InputTokens);
                    Sample(o, f, labels, tokenTypes[(int)TokenType.Output], v[i].OutputTokens);
                }
                break;
        }
    }

    private void WriteCostHistogram(ExpositionBuffer o, in Family f)
    {
        ReadOnlySpan<CostHistogramSeries> all = metrics.CostHistogram.All;
        if (all.IsEmpty) return;
        Header(o, f);
        int buckets = CostHistogramSeries.Bounds.Length + 1;
        Span<long> counts = stackalloc long[buckets];
        Span<long> native = f.Protobuf ? stackalloc long[CostHistogramSeries.NativeBuckets] : default;
        Exemplar[] exemplars = ArrayPool<Exemplar>.Shared.Rent(buckets);
        try
        {
            for (int i = 0; i < all.Length; i++)
            {
                byte[] labels = _histogramLabels.Get(f, i, all[i]);
                if (f.Protobuf)
                {
                    all[i].Read(counts, exemplars, native, out long zeroCount, out decimal nativeSum, out long nativeCount);
                    ProtobufExposition.Histogram(o, labels, counts, BucketBoundsProtobuf, exemplars.AsSpan(0, buckets), native, zeroCount, nativeSum, nativeCount);
                    continue;
                }
                all[i].Read(counts, exemplars, out decimal sum, out long count);
                long cumulative = 0;
                for (int b = 0; b < buckets; b++)
                {
                    cumulative = Saturating.Add(cumulative, counts[b]); // stays monotonic, and at _count, when the buckets are full
                    Start(o, BucketName, labels, BucketBounds[b]);
                    o.Write(cumulative);
                    if (f.OpenMetrics) WriteExemplar(o, exemplars[b]);
                    o.Write((byte)'\n');
                }
                Start(o, SumName, labels, default);
                o.Write(sum);
                o.Write((byte)'\n');
                Sample(o, CountName, labels, default, count);
            }
        }
        finally
        {
            ArrayPool<Exemplar>.Shared.Return(exemplars);
        }
    }

    /// <summary>One of the three families of the LLM call series; each reads the series again, as each family is a copy of its own.</summary>
    private void WriteLlmCalls(ExpositionBuffer o, in Family f)
    {
        ReadOnlySpan<LlmCallSeries> llm = metrics.LlmCalls.All;
        if (llm.IsEmpty) return;
        Header(o, f);
        byte[][] tokenTypes = f.Protobuf ? TokenTypesLlmProtobuf : TokenTypesLlm;
        for (int i = 0; i < llm.Length; i++)
        {
            byte[] labels = _llmLabels.Get(f, i, llm[i]);
            var (calls, t, costUsd) = llm[i].Read();
            switch (f.Metric.Id)
            {
                case MetricId.LlmCalls:
                    Sample(o, f, labels, default, calls);
                    break;
                case MetricId.LlmTokens:
                    Sample(o, f, labels, tokenTypes[(int)TokenType.Input], t.Input);
                    Sample(o, f, labels, tokenTypes[(int)TokenType.Output], t.Output);
                    Sample(o, f, labels, tokenTypes[(int)TokenType.CacheRead], t.CacheRead);
                    Sample(o, f, labels, tokenTypes[(int)TokenType.CacheWrite], t.CacheWrite);
                    Sample(o, f, labels, tokenTypes[(int)TokenType.Reasoning], t.Reasoning);
                    break;
                default:
                    Sample(o, f, labels, default, costUsd);
                    break;
            }
        }
    }

    /// <summary>A family of plain counters: calls left unpriced, by model or by model and service tier.</summary>
    private static void WriteCounts(ExpositionBuffer o, in Family f, ReadOnlySpan<CountSeries> series, LabelCaches labels)
    {
        if (series.IsEmpty) return;
        Header(o, f);
        for (int i = 0; i < series.Length; i++) Sample(o, f, labels.Get(f, i, series[i]), default, series[i].Value);
    }

    /// <summary>The calls or the cost of a family of <see cref="CallCostSeries"/>: tools, or LLM calls by pricing basis.</summary>
    private static void WriteCallCosts(ExpositionBuffer o, in Family f, ReadOnlySpan<CallCostSeries> series, LabelCaches labels, bool countsCalls)
    {
        if (series.IsEmpty) return;
        Header(o, f);
        for (int i = 0; i < series.Length; i++)
        {
            var (calls, costUsd) = series[i].Read();
            if (countsCalls) Sample(o, f, labels.Get(f, i, series[i]), default, calls);
            else Sample(o, f, labels.Get(f, i, series[i]), default, costUsd);
        }
    }

    /// <summary>A gauge of the use case settings, for the use cases that set it; nothing, not even HELP, when none does.</summary>
    private static void WriteUseCaseGauge(ExpositionBuffer o, in Family f,
        IReadOnlyDictionary<string, UseCaseOptions> useCases, Func<UseCaseOptions, decimal?> setting)
    {
        bool written = false;
        foreach (var (useCase, options) in useCases)
        {
            if (setting(options) is not decimal value) continue;
            if (!written) Header(o, f);
            written = true;
            Sample(o, f, Labels(f, f.Metric.LabelNames, [useCase]), default, value);
        }
    }

    /// <summary>A billed family by provider and account; nothing, not even HELP, without a bill.</summary>
    private static void WriteBilled(ExpositionBuffer o, in Family f, List<(string Provider, string Account, decimal Usd)>? amounts)
    {
        if (amounts is not { Count: > 0 }) return;
        Header(o, f);
        foreach (var (provider, account, usd) in amounts) Sample(o, f, Labels(f, f.Metric.LabelNames, [provider, account]), default, usd);
    }

    /// <summary>A billing family by provider; nothing, not even HELP, when no provider has a last billed day.</summary>
    private static void WriteByProvider(ExpositionBuffer o, in Family f, List<(string Provider, decimal Value)>? values)
    {
        if (values is not { Count: > 0 }) return;
        Header(o, f);
        foreach (var (provider, value) in values) Sample(o, f, Labels(f, f.Metric.LabelNames, [provider]), default, value);
    }

    private static void WriteLabeled(ExpositionBuffer o, in Family f, IEnumerable<(string Label, long Count)> values)
    {
        Header(o, f);
        foreach (var (label, count) in values) Sample(o, f, Labels(f, f.Metric.LabelNames, [label]), default, count);
    }

    private static void WriteCounter(ExpositionBuffer o, in Family f, long value)
    {
        Header(o, f);
        Sample(o, f, null, default, value);
    }

    /// <summary>A label set written once per scrape (settings, versions), encoded for the family's format.</summary>
    private static byte[] Labels(in Family f, string[] names, string[] values) =>
        f.Protobuf ? ProtobufExposition.EncodeLabels(names, values) : LabelEncoder.Encode(names, values);

    /// <summary>HELP and TYPE in text; in protobuf, the opening of the family's message (<see cref="WriteFamily"/> closes it).</summary>
    private static void Header(ExpositionBuffer o, in Family f)
    {
        if (f.Protobuf) ProtobufExposition.BeginFamily(o, ProtobufHeaders[(int)f.Metric.Id]);
        else o.Write((f.OpenMetrics ? OpenMetricsHeaders : TextHeaders)[(int)f.Metric.Id]);
    }

    /// <summary>HELP and TYPE; OpenMetrics names a counter family without its <c>_total</c> suffix.</summary>
    internal static void Header(ExpositionBuffer o, bool om, string name, string type, string help)
    {
        string family = om && type == "counter" && name.EndsWith("_total", StringComparison.Ordinal) ? name[..^"_total".Length] : name;
        o.Write("# HELP "u8);
        o.Write(Encoding.UTF8.GetBytes(family));
        o.Write((byte)' ');
        o.Write(Encoding.UTF8.GetBytes(help));
        o.Write("\n# TYPE "u8);
        o.Write(Encoding.UTF8.GetBytes(family));
        o.Write((byte)' ');
        o.Write(Encoding.UTF8.GetBytes(type));
        o.Write((byte)'\n');
    }

    private static byte[] EncodeHeader(MetricDescriptor metric, bool om)
    {
        var header = new ExpositionBuffer(256);
        Header(header, om, metric.Name, TypeName(metric.Type), metric.Help);
        return header.Written.ToArray();
    }

    private static string TypeName(MetricType type) => type switch
    {
        MetricType.Counter => "counter",
        MetricType.Gauge => "gauge",
        MetricType.Histogram => "histogram",
        _ => throw new UnreachableException($"metric type {type}"),
    };

    private static byte[][] Encode(Func<MetricDescriptor, byte[]> encode)
    {
        ReadOnlySpan<MetricDescriptor> all = MetricCatalogue.All;
        var encoded = new byte[all.Length][];
        foreach (MetricDescriptor metric in all) encoded[(int)metric.Id] = encode(metric);
        return encoded;
    }

    private static byte[] SampleName(MetricId id, string suffix) => Encoding.UTF8.GetBytes(MetricCatalogue.Get(id).Name + suffix);

    /// <summary>The <c>token_type</c> label, the last of the family's, with each of its values, indexed by the type.</summary>
    private static byte[][] TokenTypes(MetricId id, params TokenType[] types) => TokenTypes(id, LabelEncoder.EncodeOne, types);

    private static byte[][] TokenTypes(MetricId id, Func<string, string, byte[]> encode, params TokenType[] types)
    {
        string label = MetricCatalogue.Get(id).LabelNames[^1];
        var encoded = new byte[types.Length][];
        foreach (TokenType type in types) encoded[(int)type] = encode(label, type.LabelValue());
        return encoded;
    }

    private static void Start(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra)
    {
        o.Write(name);
        bool hasLabels = labels is { Length: > 0 };
        if (hasLabels || !extra.IsEmpty)
        {
            o.Write((byte)'{');
            if (hasLabels) o.Write(labels);
            if (hasLabels && !extra.IsEmpty) o.Write((byte)',');
            if (!extra.IsEmpty) o.Write(extra);
            o.Write((byte)'}');
        }
        o.Write((byte)' ');
    }

    internal static void Sample(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra, long value)
    {
        Start(o, name, labels, extra);
        o.Write(value);
        o.Write((byte)'\n');
    }

    private static void Sample(ExpositionBuffer o, in Family f, byte[]? labels, ReadOnlySpan<byte> extra, long value)
    {
        if (f.Protobuf) ProtobufExposition.Sample(o, f.Metric.Type == MetricType.Counter, labels, extra, value);
        else Sample(o, f.Name, labels, extra, value);
    }

    private static void Sample(ExpositionBuffer o, in Family f, byte[]? labels, ReadOnlySpan<byte> extra, decimal value)
    {
        if (f.Protobuf) ProtobufExposition.Sample(o, f.Metric.Type == MetricType.Counter, labels, extra, (double)value);
        else Sample(o, f.Name, labels, extra, value);
    }

    private static void Sample(ExpositionBuffer o, in Family f, byte[]? labels, ReadOnlySpan<byte> extra, double value)
    {
        if (f.Protobuf) ProtobufExposition.Sample(o, f.Metric.Type == MetricType.Counter, labels, extra, value);
        else Sample(o, f.Name, labels, extra, value);
    }

    private static void Sample(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra, decimal value)
    {
        Start(o, name, labels, extra);
        o.Write(value);
        o.Write((byte)'\n');
    }

    private static void Sample(ExpositionBuffer o, ReadOnlySpan<byte> name, byte[]? labels, ReadOnlySpan<byte> extra, double value)
    {
        Start(o, name, labels, extra);
        o.Write(value);
        o.Write((byte)'\n');
    }

    private static void WriteExemplar(ExpositionBuffer o, in Exemplar exemplar)
    {
        if (exemplar.IsEmpty) return;
        Span<byte> hex = stackalloc byte[32];
        exemplar.TraceId.TryFormat(hex, out _);
        o.Write(" # {trace_id=\""u8);
        o.Write(hex);
        o.Write("\"} "u8);
        o.Write(exemplar.Value);
        o.Write((byte)' ');
        o.Write(exemplar.TimestampMs / 1000);
        o.Write((byte)'.');
        long millis = exemplar.TimestampMs % 1000;
        o.Write((byte)('0' + millis / 100));
        o.Write((byte)('0' + millis / 10 % 10));
        o.Write((byte)('0' + millis % 10));
    }
}
