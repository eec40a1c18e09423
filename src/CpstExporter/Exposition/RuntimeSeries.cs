namespace CpstExporter.Exposition;

/// <summary>
/// One attribute set of a runtime or Kestrel instrument: the sum of its measurements (Counter, UpDownCounter) or the
/// last value observed (observable instruments). Integer instruments keep a <see cref="long"/>, floating-point ones a
/// <see cref="double"/>; the label list is encoded once, for the text formats and for protobuf, when the attribute set
/// is first seen.
/// </summary>
internal sealed class RuntimeSeries(KeyValuePair<string, object?>[] tags, byte[] labels, byte[] protobufLabels)
{
    private long _long;
    private double _double;

    public byte[] Labels => labels;
    public byte[] ProtobufLabels => protobufLabels;

    public long LongValue => Interlocked.Read(ref _long);
    public double DoubleValue => Volatile.Read(ref _double);

    /// <summary>Whether a measurement's attributes are this series' (in any order).</summary>
    public bool Matches(ReadOnlySpan<KeyValuePair<string, object?>> measured)
    {
        if (measured.Length != tags.Length) return false;
        foreach (KeyValuePair<string, object?> tag in measured)
        {
            bool found = false;
            foreach (KeyValuePair<string, object?> mine in tags)
            {
                if (!string.Equals(mine.Key, tag.Key, StringComparison.Ordinal)) continue;
                found = Equals(mine.Value, tag.Value);
                break;
            }
            if (!found) return false;
        }
        return true;
    }

    public void Add(long value) => Interlocked.Add(ref _long, value);

    public void Add(double value)
    {
        double seen = Volatile.Read(ref _double);
        while (true)
        {
            double was = Interlocked.CompareExchange(ref _double, seen + value, seen);
            if (was.Equals(seen)) return;
            seen = was;
        }
    }

    public void Set(long value) => Interlocked.Exchange(ref _long, value);

    public void Set(double value) => Interlocked.Exchange(ref _double, value);
}
