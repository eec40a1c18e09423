using CpstExporter.Aggregation;

namespace CpstExporter.Exposition;

/// <summary>
/// The label sets of one series family encoded for exposition, once per series, and kept here by the series' place in
/// the family (<see cref="SeriesFamily{TKey, TSeries}.All"/> only grows, so a place always holds the same series): the
/// exposition reads the aggregation's series and writes nothing into them. Scrapes may run at once: a place is read
/// without a lock, and filled under one, at most once per series. The encoding is the text formats' by default, or
/// another format's (<see cref="ProtobufExposition.EncodeLabels"/>).
/// </summary>
internal sealed class SeriesLabelCache(string[] labelNames, Func<string[], string[], byte[]>? encode = null)
{
    private readonly Func<string[], string[], byte[]> _encode = encode ?? LabelEncoder.Encode;

    private readonly Lock _filling = new();
    private byte[]?[] _encoded = new byte[]?[16];

    /// <summary>The encoded labels of <paramref name="series"/>, at <paramref name="index"/> in its family.</summary>
    public byte[] Get(int index, Series series)
    {
        byte[]?[] encoded = Volatile.Read(ref _encoded);
        if ((uint)index < (uint)encoded.Length && Volatile.Read(ref encoded[index]) is byte[] labels) return labels;
        return Fill(index, series);
    }

    private byte[] Fill(int index, Series series)
    {
        byte[] labels = _encode(labelNames, series.LabelValues);
        lock (_filling)
        {
            byte[]?[] encoded = _encoded;
            if (index >= encoded.Length)
            {
                var larger = new byte[]?[Math.Max(encoded.Length * 2, index + 1)];
                encoded.CopyTo(larger, 0);
                Volatile.Write(ref _encoded, encoded = larger);
            }
            Volatile.Write(ref encoded[index], labels);
        }
        return labels;
    }
}
