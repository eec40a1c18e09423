namespace CpstExporter.Aggregation;

/// <summary>One metric family of the contract: its name, type, help text and label names (<see cref="MetricCatalogue"/>).</summary>
/// <param name="name">The name of the family's samples, as text 0.0.4 writes it: a counter's ends in <c>_total</c>,
/// which OpenMetrics leaves out of the family's name; a histogram's samples add <c>_bucket</c>, <c>_sum</c> and
/// <c>_count</c>.</param>
/// <param name="labelNames">The labels of the family's samples, in the order written; a histogram's <c>le</c> is not one
/// of them.</param>
internal sealed class MetricDescriptor(MetricId id, string name, MetricType type, string help, params string[] labelNames)
{
    public MetricId Id { get; } = id;
    public string Name { get; } = name;
    public MetricType Type { get; } = type;
    public string Help { get; } = help;
    public string[] LabelNames { get; } = labelNames;

    public override string ToString() => Name;
}
