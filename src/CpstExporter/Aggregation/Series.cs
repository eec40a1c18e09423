namespace CpstExporter.Aggregation;

/// <summary>One label set of a metric family. Values are guarded by <see cref="Sync"/>, held only while updating or copying.</summary>
internal abstract class Series(string[] labelValues)
{
    public readonly Lock Sync = new();

    /// <summary>Label values in the order of the family's label names.</summary>
    public string[] LabelValues { get; } = labelValues;
}
