using System.Buffers;
using System.Diagnostics;
using System.Text;
using CpstExporter.Aggregation;
using CpstExporter.Primitives;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using CpstExporter.Tasks.State;

namespace CpstExporter.Exposition;

/// <summary>
/// Writes every family of <see cref="MetricCatalogue"/>, in its order and with its HELP and TYPE, from the series of
/// <see cref="CpstMetrics"/>, the receivers' <see cref="ReceiverCounters"/> and the process, then the runtime's
/// (<see cref="RuntimeMetrics"/>), in Prometheus text 0.0.4 or OpenMetrics 1.0.0. Each series is copied under its own
/// lock and formatted outside it; names and headers are encoded once, label sets once per series
/// (<see cref="SeriesLabelCache"/>); numbers are formatted in place, so a scrape allocates little beyond the scratch
/// arrays it rents (and what the runtime's observable instruments allocate when <see cref="RuntimeMetrics"/> reads
/// them). The writer only reads the aggregation: nothing it keeps is in a series.
/// </summary>
internal sealed class MetricsWriter(CpstMetrics metrics, ReceiverCounters receiving, ProcessMetrics process, Func<string> pricingVersion, string version,
    Func<long>? pricingReloadFailures = null, RuntimeMetrics? runtime = null, TaskAssembler? tasks = null, TaskStateFile? stateFile = null)
{
    /// <summary>The name of each family's samples, by <see cref="MetricId"/>.</summary>
    private static readonly byte[][] Names = Encode(static m => Encoding.UTF8.GetBytes(m.Name));

    /// <summary>Each family's HELP and TYPE lines in text 0.0.4 and in OpenMetrics, by <see cref="MetricId"/>.</summary>
    private static readonly byte[][] TextHeaders = Encode(static m => EncodeHeader(m, om: false));
    private static readonly byte[][] OpenMetricsHeaders = Encode(static m => EncodeHeader(m, om: true));

    private static readonly byte[] BucketName = SampleName(MetricId.CostPerTask, "_bucket");
    private static readonly byte[] SumName = SampleName(MetricId.CostPerTask, "_sum");
    private static readonly byte[] CountName = SampleName(MetricId.CostPerTask, "_count");

    /// <summary>The <c>token_type</c> label with each value, by <see cref="TokenType"/>: a task's input and output, an LLM call's every count.</summary>
    private static readonly byte[][] TokenTypesTask = TokenTypes(MetricId.TaskTokens, TokenType.Input, TokenType.Output);
    private static readonly byte[][] TokenTypesLlm = TokenTypes(MetricId.LlmTokens, Enum.GetValues<TokenType>());
    private static readonly byte[][] BucketBounds =
        CostHistogramSeries.Bounds.Select(b => Encoding.UTF8.GetBytes($"le=\"{b.ToString(System.Globalization.CultureInfo.InvariantCulture)}\""))
            .Append(Encoding.UTF8.GetBytes("le=\"+Inf\"")).ToArray();

    private readonly SeriesLabelCache _taskLabels = new(metrics.Tasks.LabelNames);
    private readonly SeriesLabelCache _histogramLabels = new(metrics.CostHistogram.LabelNames);
    private readonly SeriesLabelCache _llmLabels = new(metrics.LlmCalls.LabelNames);
    private readonly SeriesLabelCache _unpricedLabels = new(metrics.UnpricedCalls.LabelNames);
    private readonly SeriesLabelCache _evaluationLabels = new(metrics.Evaluations.LabelNames);
    private readonly SeriesLabelCache _bySourceLabels = new(metrics.OutcomesBySource.LabelNames);
    private readonly SeriesLabelCache _toolLabels = new(metrics.ToolCalls.LabelNames);
    private readonly SeriesLabelCache _basisLabels = new(metrics.ByBasis.LabelNames);
    private readonly SeriesLabelCache _unpricedTierLabels = new(metrics.UnpricedServiceTiers.LabelNames);

    public void Write(ExpositionBuffer o, ExpositionFormat format)
    {
        bool om = format == ExpositionFormat.OpenMetrics;
        // The task families are read once, so that the five of them agree.
        ReadOnlySpan<TaskSeries> tasks = metrics.Tasks.All;
        TaskValues[] taskValues = ArrayPool<TaskValues>.Shared.Rent(tasks.Length);
        try
        {
            for (int i = 0; i < tasks.Length; i++) taskValues[i] = tasks[i].Read();
            var scrape = new Scrape(om, tasks, taskValues.AsSpan(0, tasks.Length), metrics.UseCases);
            foreach (MetricDescriptor metric in MetricCatalogue.All) WriteFamily(o, metric, in scrape);
        }
        finally
        {
            ArrayPool<TaskValues>.Shared.Return(taskValues);
        }
        runtime?.Write(o, om);
        if (om) o.Write("# EOF\n"u8);
    }

    /// <summary>What every family of one scrape reads alike.</summary>
    private readonly ref struct Scrape(bool om, ReadOnlySpan<TaskSeries> tasks, ReadOnlySpan<TaskValues> taskValues,
        IReadOnlyDictionary<string, UseCaseOptions> useCases)
    {
        public readonly bool OpenMetrics = om;
        public readonly ReadOnlySpan<TaskSeries> Tasks = tasks;
        public readonly ReadOnlySpan<TaskValues> TaskValues = taskValues;
        public readonly IReadOnlyDictionary<string, UseCaseOptions> UseCases = useCases;
    }

    /// <summary>One family: its HELP and TYPE and its samples; nothing for a family of series that has none yet.</summary>
    private void WriteFamily(ExpositionBuffer o, MetricDescriptor metric, in Scrape scrape)
    {
        bool om = scrape.OpenMetrics;
        byte[] name = Names[(int)metric.Id];
        switch (metric.Id)
        {
            case MetricId.Tasks or MetricId.TaskCost or MetricId.TaskLlmCalls or MetricId.TaskToolCalls or MetricId.TaskTokens:
                WriteTaskFamily(o, metric, name, in scrape);
                break;
            case MetricId.CostPerTask:
                WriteCostHistogram(o, om, metric);
                break;

            case MetricId.LlmCalls:
            case MetricId.LlmTokens:
            case MetricId.LlmCost:
                WriteLlmCalls(o, om, metric, name);
                break;
            case MetricId.UnpricedLlmCalls:
                WriteCounts(o, om, metric, name, metrics.UnpricedCalls.All, _unpricedLabels);
                break;
            case MetricId.LlmCostByBasis:
            case MetricId.LlmCallsByBasis:
                WriteCallCosts(o, om, metric, name, metrics.ByBasis.All, _basisLabels, countsCalls: metric.Id == MetricId.LlmCallsByBasis);
                break;
            case MetricId.UnpricedServiceTierCalls:
                WriteCounts(o, om, metric, name, metrics.UnpricedServiceTiers.All, _unpricedTierLabels);
                break;
            case MetricId.ToolCalls:
            case MetricId.ToolCost:
                WriteCallCosts(o, om, metric, name, metrics.ToolCalls.All, _toolLabels, countsCalls: metric.Id == MetricId.ToolCalls);
                break;
            case MetricId.Evaluations:
                WriteCounts(o, om, metric, name, metrics.Evaluations.All, _evaluationLabels);
                break;
            case MetricId.OutcomesBySource:
                WriteCounts(o, om, metric, name, metrics.OutcomesBySource.All, _bySourceLabels);
                break;

            case MetricId.SupportingCost:
                var supporting = metrics.Supporting.Read();
                if (supporting.Count == 0) break;
                Header(o, om, metric);
                foreach (var (useCase, item, usd) in supporting) Sample(o, name, LabelEncoder.Encode(metric.LabelNames, [useCase, item]), default, usd);
                break;
            case MetricId.Target:
                WriteUseCaseGauge(o, om, metric, scrape.UseCases, static u => u.TargetUsd);
                break;
            case MetricId.MonthlyBudget:
                WriteUseCaseGauge(o, om, metric, scrape.UseCases, static u => u.MonthlyBudgetUsd);
                break;
            case MetricId.SpikeFactor:
                WriteUseCaseGauge(o, om, metric, scrape.UseCases, static u => u.SpikeFactor);
                break;
            case MetricId.MinTasksPerHour:
                bool written = false;
                foreach (var (useCase, options) in scrape.UseCases)
                {
                    if (options.MinTasksPerHour is not long minTasks) continue;
                    if (!written) Header(o, om, metric);
                    written = true;
                    Sample(o, name, LabelEncoder.EncodeOne(metric.LabelNames[0], useCase), default, minTasks);
                }
                break;

            case MetricId.PendingTasks:
                Header(o, om, metric);
                Sample(o, name, null, default, tasks?.PendingCount ?? 0);
                break;
            case MetricId.ReceivedSpans:
                WriteLabeled(o, om, metric, receiving.ReceivedSpans.Values());
                break;
            case MetricId.RejectedSpans:
                WriteLabeled(o, om, metric, receiving.RejectedSpans.Values());
                break;
            case MetricId.RejectedRequests:
                WriteLabeled(o, om, metric, receiving.RejectedRequests.Values());
                break;
            case MetricId.IgnoredAttributes:
                WriteLabeled(o, om, metric, receiving.IgnoredAttributes.Values());
                break;
            case MetricId.LateSpans:
                WriteCounter(o, om, metric, metrics.LateSpans);
                break;
            case MetricId.LateOutcomes:
                WriteCounter(o, om, metric, metrics.LateOutcomes);
                break;
            case MetricId.EvictedTasks:
                WriteCounter(o, om, metric, metrics.EvictedTasks);
                break;
            case MetricId.DroppedOutcomes:
                WriteCounter(o, om, metric, metrics.DroppedOutcomes);
                break;
            case MetricId.DuplicateSpans:
                WriteCounter(o, om, metric, metrics.DuplicateSpans);
                break;
            case MetricId.EarlyCountedCalls:
                WriteCounter(o, om, metric, metrics.EarlyCountedCalls);
                break;
            case MetricId.StateSaveFailures:
                WriteCounter(o, om, metric, stateFile?.SaveFailures ?? 0);
                break;
            case MetricId.SeriesOverflow:
                WriteLabeled(o, om, metric, metrics.Overflows.Values());
                break;
            case MetricId.BuildInfo:
                Header(o, om, metric);
                Sample(o, name, LabelEncoder.EncodeOne(metric.LabelNames[0], version), default, 1);
                break;
            case MetricId.PricingInfo:
                Header(o, om, metric);
                Sample(o, name, LabelEncoder.EncodeOne(metric.LabelNames[0], pricingVersion()), default, 1);
                break;
            case MetricId.ConfigReloadFailures:
                Header(o, om, metric);
                Sample(o, name, LabelEncoder.EncodeOne(metric.LabelNames[0], "pricing"), default, pricingReloadFailures?.Invoke() ?? 0);
                Sample(o, name, LabelEncoder.EncodeOne(metric.LabelNames[0], "use_cases"), default, metrics.UseCaseReloadFailures);
                break;

            case MetricId.ProcessCpuSeconds:
                Header(o, om, metric);
                Sample(o, name, null, default, process.CpuSeconds);
                break;
            case MetricId.ProcessResidentMemory:
                Header(o, om, metric);
                Sample(o, name, null, default, process.ResidentMemoryBytes);
                break;
            case MetricId.ProcessStartTime:
                Header(o, om, metric);
                Sample(o, name, null, default, process.StartTimeSeconds);
                break;

            default:
                throw new UnreachableException($"{metric.Name} is in the catalogue but the writer has no samples for it");
        }
    }

    /// <summary>One of the five families of the task series, from the values the scrape read once.</summary>
    private void WriteTaskFamily(ExpositionBuffer o, MetricDescriptor metric, byte[] name, in Scrape scrape)
    {
        ReadOnlySpan<TaskSeries> tasks = scrape.Tasks;
        ReadOnlySpan<TaskValues> v = scrape.TaskValues;
        if (tasks.IsEmpty) return;
        Header(o, scrape.OpenMetrics, metric);
        switch (metric.Id)
        {
            case MetricId.Tasks:
                for (int i = 0; i < tasks.Length; i++) Sample(o, name, _taskLabels.Get(i, tasks[i]), default, v[i].Tasks);
                break;
            case MetricId.TaskCost:
                for (int i = 0; i < tasks.Length; i++)
                {
                    Start(o, name, _taskLabels.Get(i, tasks[i]), default);
                    o.Write(v[i].CostUsd);
                    if (scrape.OpenMetrics) WriteExemplar(o, v[i].CostExemplar);
                    o.Write((byte)'\n');
                }
                break;
            case MetricId.TaskLlmCalls:
                for (int i = 0; i < tasks.Length; i++) Sample(o, name, _taskLabels.Get(i, tasks[i]), default, v[i].LlmCalls);
                break;
            case MetricId.TaskToolCalls:
                for (int i = 0; i < tasks.Length; i++) Sample(o, name, _taskLabels.Get(i, tasks[i]), default, v[i].ToolCalls);
                break;
            default: // TaskTokens
                for (int i = 0; i < tasks.Length; i++)
                {
                    byte[] labels = _taskLabels.Get(i, tasks[i]);
                    Sample(o, name, labels, TokenTypesTask[(int)TokenType.Input], v[i].InputTokens);
                    Sample(o, name, labels, TokenTypesTask[(int)TokenType.Output], v[i].OutputTokens);
                }
                break;
        }
    }

    private void WriteCostHistogram(ExpositionBuffer o, bool om, MetricDescriptor metric)
    {
        ReadOnlySpan<CostHistogramSeries> all = metrics.CostHistogram.All;
        if (all.IsEmpty) return;
        Header(o, om, metric);
        int buckets = CostHistogramSeries.Bounds.Length + 1;
        Span<long> counts = stackalloc long[buckets];
        Exemplar[] exemplars = ArrayPool<Exemplar>.Shared.Rent(buckets);
        try
        {
            for (int i = 0; i < all.Length; i++)
            {
                all[i].Read(counts, exemplars, out decimal sum, out long count);
                byte[] labels = _histogramLabels.Get(i, all[i]);
                long cumulative = 0;
                for (int b = 0; b < buckets; b++)
                {
                    cumulative = Saturating.Add(cumulative, counts[b]); // stays monotonic, and at _count, when the buckets are full
                    Start(o, BucketName, labels, BucketBounds[b]);
                    o.Write(cumulative);
                    if (om) WriteExemplar(o, exemplars[b]);
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
    private void WriteLlmCalls(ExpositionBuffer o, bool om, MetricDescriptor metric, byte[] name)
    {
        ReadOnlySpan<LlmCallSeries> llm = metrics.LlmCalls.All;
        if (llm.IsEmpty) return;
        Header(o, om, metric);
        for (int i = 0; i < llm.Length; i++)
        {
            byte[] labels = _llmLabels.Get(i, llm[i]);
            var (calls, t, costUsd) = llm[i].Read();
            switch (metric.Id)
            {
                case MetricId.LlmCalls:
                    Sample(o, name, labels, default, calls);
                    break;
                case MetricId.LlmTokens:
                    Sample(o, name, labels, TokenTypesLlm[(int)TokenType.Input], t.Input);
                    Sample(o, name, labels, TokenTypesLlm[(int)TokenType.Output], t.Output);
                    Sample(o, name, labels, TokenTypesLlm[(int)TokenType.CacheRead], t.CacheRead);
                    Sample(o, name, labels, TokenTypesLlm[(int)TokenType.CacheWrite], t.CacheWrite);
                    Sample(o, name, labels, TokenTypesLlm[(int)TokenType.Reasoning], t.Reasoning);
                    break;
                default:
                    Sample(o, name, labels, default, costUsd);
                    break;
            }
        }
    }

    /// <summary>A family of plain counters: calls left unpriced, by model or by model and service tier.</summary>
    private static void WriteCounts(ExpositionBuffer o, bool om, MetricDescriptor metric, byte[] name,
        ReadOnlySpan<CountSeries> series, SeriesLabelCache labels)
    {
        if (series.IsEmpty) return;
        Header(o, om, metric);
        for (int i = 0; i < series.Length; i++) Sample(o, name, labels.Get(i, series[i]), default, series[i].Value);
    }

    /// <summary>The calls or the cost of a family of <see cref="CallCostSeries"/>: tools, or LLM calls by pricing basis.</summary>
    private static void WriteCallCosts(ExpositionBuffer o, bool om, MetricDescriptor metric, byte[] name,
        ReadOnlySpan<CallCostSeries> series, SeriesLabelCache labels, bool countsCalls)
    {
        if (series.IsEmpty) return;
        Header(o, om, metric);
        for (int i = 0; i < series.Length; i++)
        {
            var (calls, costUsd) = series[i].Read();
            if (countsCalls) Sample(o, name, labels.Get(i, series[i]), default, calls);
            else Sample(o, name, labels.Get(i, series[i]), default, costUsd);
        }
    }

    /// <summary>A gauge of the use case settings, for the use cases that set it; nothing, not even HELP, when none does.</summary>
    private static void WriteUseCaseGauge(ExpositionBuffer o, bool om, MetricDescriptor metric,
        IReadOnlyDictionary<string, UseCaseOptions> useCases, Func<UseCaseOptions, decimal?> setting)
    {
        bool written = false;
        foreach (var (useCase, options) in useCases)
        {
            if (setting(options) is not decimal value) continue;
            if (!written) Header(o, om, metric);
            written = true;
            Sample(o, Names[(int)metric.Id], LabelEncoder.EncodeOne(metric.LabelNames[0], useCase), default, value);
        }
    }

    private static void WriteLabeled(ExpositionBuffer o, bool om, MetricDescriptor metric, IEnumerable<(string Label, long Count)> values)
    {
        Header(o, om, metric);
        foreach (var (label, count) in values) Sample(o, Names[(int)metric.Id], LabelEncoder.EncodeOne(metric.LabelNames[0], label), default, count);
    }

    private static void WriteCounter(ExpositionBuffer o, bool om, MetricDescriptor metric, long value)
    {
        Header(o, om, metric);
        Sample(o, Names[(int)metric.Id], null, default, value);
    }

    private static void Header(ExpositionBuffer o, bool om, MetricDescriptor metric) =>
        o.Write((om ? OpenMetricsHeaders : TextHeaders)[(int)metric.Id]);

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
    private static byte[][] TokenTypes(MetricId id, params TokenType[] types)
    {
        string label = MetricCatalogue.Get(id).LabelNames[^1];
        var encoded = new byte[types.Length][];
        foreach (TokenType type in types) encoded[(int)type] = LabelEncoder.EncodeOne(label, type.LabelValue());
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
