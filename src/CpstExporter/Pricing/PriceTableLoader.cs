namespace CpstExporter.Pricing;

/// <summary>One price file as a whole table: for a single <c>Cpst:PricingFile</c>, tests and tools.</summary>
internal static class PriceTableLoader
{
    /// <exception cref="PriceTableException">The file is missing, unreadable or invalid.</exception>
    public static PriceTable Load(string path) => PriceLayers.Compose([PriceFileReader.Read(path)]);

    /// <summary>Our YAML format, from text.</summary>
    public static PriceTable Parse(string text, string source) => PriceLayers.Compose([PriceYamlReader.Parse(text, source)]);
}
