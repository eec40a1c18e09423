namespace CpstExporter.Pricing;

/// <summary>
/// What one price file says (our YAML or LiteLLM's JSON): its model entries, region factors and tool prices, and a short
/// hash of its content. Files are layered into a <see cref="PriceTable"/> by <see cref="PriceLayers"/>.
/// </summary>
/// <param name="Skipped">What the file held that the table does not use, for the load log line ("" when nothing).</param>
internal sealed record PriceFile(
    string Path,
    IReadOnlyList<ModelPrice> Models,
    IReadOnlyList<RegionFactor> Regions,
    IReadOnlyDictionary<string, decimal> Tools,
    string Version,
    string Skipped = "");
