using System.Diagnostics.Metrics;
using System.Globalization;

namespace CpstExporter.Exposition;

/// <summary>
/// The series of one instrument of the runtime's or Kestrel's meter, written as one Prometheus family under its
/// <see cref="PrometheusName"/>: a counter where the semantic conventions define a Counter, a gauge where they define
/// an UpDownCounter or a gauge. Attribute sets are found by a scan of a copy-on-write array, so a measurement
/// takes no lock once its set exists; at most <see cref="MaxSeries"/> sets are kept, the rest add into one series
/// whose labels are <c>__overflow__</c>, so an attribute with many values (an exception type) cannot grow a scrape
/// without bound. A family renamed from its conventions' name may be written a second time under the old one
/// (<see cref="RuntimeMetrics"/>, deprecated names), with the same series.
/// </summary>
internal sealed class RuntimeFamily
{
    public const int MaxSeries = 64;
    public const string Overflow = "__overflow__";

    private readonly Lock _adding = new();
    private readonly bool _observable;
    private readonly bool _floating;
    private readonly byte[] _name;
    /// <summary>HELP and TYPE lines, in text 0.0.4 and in OpenMetrics, and the family's header fields in protobuf, encoded once.</summary>
    private readonly byte[] _header, _headerOpenMetrics, _headerProtobuf;
    /// <summary>The same, under the deprecated name, when the family is written under it too.</summary>
    private readonly byte[]? _deprecatedName, _deprecatedHeader, _deprecatedHeaderOpenMetrics, _deprecatedHeaderProtobuf;
    private RuntimeSeries[] _series = [];
    private RuntimeSeries? _overflow;

    /// <param name="counter">Whether the conventions define the instrument as a Counter (a monotonic sum).</param>
    /// <param name="name">The family's name in place of the one <see cref="PrometheusName"/> gives the instrument.</param>
    /// <param name="deprecatedName">A name the family is also written under, with the same series, until it is removed.</param>
    public RuntimeFamily(Instrument instrument, bool counter, string? name = null, string? deprecatedName = null)
    {
        _observable = instrument.IsObservable;
        Type value = instrument.GetType().IsGenericType ? instrument.GetType().GetGenericArguments()[0] : typeof(long);
        _floating = value == typeof(double) || value == typeof(float) || value == typeof(decimal);
        Type = counter ? "counter" : "gauge";
        Name = name ?? PrometheusName.Metric(instrument.Name, instrument.Unit, counter);
        Help = string.IsNullOrWhiteSpace(instrument.Description) ? instrument.Name : instrument.Description.ReplaceLineEndings(" ");
        _name = System.Text.Encoding.UTF8.GetBytes(Name);
        _header = Header(Name, Help, om: false);
        _headerOpenMetrics = Header(Name, Help, om: true);
        _headerProtobuf = ProtobufExposition.EncodeFamilyHeader(Name, Help, counter ? Aggregation.MetricType.Counter : Aggregation.MetricType.Gauge);
        if (deprecatedName is null) return;
        string help = $"Deprecated: {Name}, under its former name until the next release. {Help}";
        _deprecatedName = System.Text.Encoding.UTF8.GetBytes(deprecatedName);
        _deprecatedHeader = Header(deprecatedName, help, om: false);
        _deprecatedHeaderOpenMetrics = Header(deprecatedName, help, om: true);
        _deprecatedHeaderProtobuf = ProtobufExposition.EncodeFamilyHeader(deprecatedName, help, counter ? Aggregation.MetricType.Counter : Aggregation.MetricType.Gauge);
    }

    public string Name { get; }
    public string Type { get; }
    public string Help { get; }

    public void Record(long value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_floating)
        {
            Record((double)value, tags);
            return;
        }
        RuntimeSeries series = Find(tags);
        if (_observable) series.Set(value);
        else series.Add(value);
    }

    public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (!_floating)
        {
            Record((long)value, tags);
            return;
        }
        RuntimeSeries series = Find(tags);
        if (_observable) series.Set(value);
        else series.Add(value);
    }

    public void Write(ExpositionBuffer o, ExpositionFormat format)
    {
        RuntimeSeries[] all = Volatile.Read(ref _series);
        RuntimeSeries? overflow = Volatile.Read(ref _overflow);
        if (all.Length == 0 && overflow is null) return;
        Write(o, format, _name, _header, _headerOpenMetrics, _headerProtobuf, all, overflow);
        if (_deprecatedName is not null)
            Write(o, format, _deprecatedName, _deprecatedHeader!, _deprecatedHeaderOpenMetrics!, _deprecatedHeaderProtobuf!, all, overflow);
    }

    private void Write(ExpositionBuffer o, ExpositionFormat format, byte[] name, byte[] header, byte[] headerOpenMetrics, byte[] headerProtobuf,
        RuntimeSeries[] all, RuntimeSeries? overflow)
    {
        if (format == ExpositionFormat.Protobuf)
        {
            int family = ProtobufExposition.BeginFamily(o, headerProtobuf);
            foreach (RuntimeSeries series in all) ProtobufSample(o, series);
            if (overflow is not null) ProtobufSample(o, overflow);
            ProtobufExposition.EndFamily(o, family, headerProtobuf.Length);
            return;
        }
        o.Write(format == ExpositionFormat.OpenMetrics ? headerOpenMetrics : header);
        foreach (RuntimeSeries series in all) Sample(o, name, series);
        if (overflow is not null) Sample(o, name, overflow);
    }

    private void ProtobufSample(ExpositionBuffer o, RuntimeSeries series) =>
        ProtobufExposition.Sample(o, Type == "counter", series.ProtobufLabels, default, _floating ? series.DoubleValue : series.LongValue);

    private byte[] Header(string name, string help, bool om)
    {
        var header = new ExpositionBuffer(256);
        MetricsWriter.Header(header, om, name, Type, help);
        return header.Written.ToArray();
    }

    private void Sample(ExpositionBuffer o, byte[] name, RuntimeSeries series)
    {
        o.Write(name);
        if (series.Labels.Length > 0)
        {
            o.Write((byte)'{');
            o.Write(series.Labels);
            o.Write((byte)'}');
        }
        o.Write((byte)' ');
        if (_floating) o.Write(series.DoubleValue);
        else o.Write(series.LongValue);
        o.Write((byte)'\n');
    }

    private RuntimeSeries Find(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (RuntimeSeries series in Volatile.Read(ref _series))
            if (series.Matches(tags)) return series;
        lock (_adding)
        {
            RuntimeSeries[] all = _series;
            foreach (RuntimeSeries series in all)
                if (series.Matches(tags)) return series;
            if (all.Length >= MaxSeries) return _overflow ??= Create(tags, overflow: true);
            RuntimeSeries added = Create(tags, overflow: false);
            Volatile.Write(ref _series, [.. all, added]);
            return added;
        }
    }

    private static RuntimeSeries Create(ReadOnlySpan<KeyValuePair<string, object?>> tags, bool overflow)
    {
        KeyValuePair<string, object?>[] copy = tags.ToArray();
        KeyValuePair<string, object?>[] sorted = copy.OrderBy(t => t.Key, StringComparer.Ordinal).ToArray();
        string[] names = sorted.Select(t => PrometheusName.Label(t.Key)).ToArray();
        string[] values = sorted.Select(t => overflow ? Overflow : Text(t.Value)).ToArray();
        return new RuntimeSeries(copy, LabelEncoder.Encode(names, values), ProtobufExposition.EncodeLabels(names, values));
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
