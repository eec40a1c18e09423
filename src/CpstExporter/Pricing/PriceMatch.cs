namespace CpstExporter.Pricing;

/// <summary>What a model id found in a price table: its entries, and the region factor of the id's prefix (1 without one).
/// <c>default</c> when nothing prices the id.</summary>
internal readonly record struct PriceMatch(ModelVersions? Entries, decimal RegionFactor)
{
    public bool Found => Entries is not null;
}
