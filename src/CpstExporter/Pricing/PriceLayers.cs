using System.Security.Cryptography;
using System.Text;

namespace CpstExporter.Pricing;

/// <summary>
/// Layers price files into one table (<c>Cpst:PricingFiles:&lt;n&gt;</c>, docs/pricing.md): a later file's entries of
/// a model replace the earlier files' entries of that model name and provider (all of them, dates included), and an
/// entry without a provider replaces every earlier entry of its name; a later file's tool price and region factor
/// replace an earlier one's. So LiteLLM's list first and your contract prices on top works.
/// </summary>
internal static class PriceLayers
{
    public static PriceTable Compose(IReadOnlyList<PriceFile> files)
    {
        if (files.Count == 1) return new PriceTable(files[0].Models, files[0].Tools, files[0].Version, files[0].Regions);
        var models = new List<ModelPrice>();
        var tools = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        var regions = new Dictionary<string, RegionFactor>(StringComparer.OrdinalIgnoreCase);
        foreach (PriceFile file in files)
        {
            var replacedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
            var replacedPairs = new HashSet<(string, string)>();
            foreach (ModelPrice entry in file.Models)
            {
                if (entry.Provider is null) replacedNames.Add(entry.Name);
                else replacedPairs.Add((entry.Name.ToLowerInvariant(), entry.Provider.ToLowerInvariant()));
            }
            // An earlier entry without a provider stays for the providers the later file does not name.
            models.RemoveAll(m => replacedNames.Contains(m.Name) ||
                                  (m.Provider is not null && replacedPairs.Contains((m.Name.ToLowerInvariant(), m.Provider.ToLowerInvariant()))));
            models.AddRange(file.Models);
            foreach (var (name, price) in file.Tools) tools[name] = price;
            foreach (RegionFactor region in file.Regions) regions[region.Prefix] = region;
        }
        return new PriceTable(models, tools, Version(files), [.. regions.Values]);
    }

    /// <summary>The files' versions hashed together: changes when any file does, never with the clock.</summary>
    private static string Version(IReadOnlyList<PriceFile> files) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join("\n", files.Select(f => f.Version)))))[..12];
}
