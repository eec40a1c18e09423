using System.Globalization;
using CpstExporter.Primitives;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Pricing;

/// <summary>
/// Where the price files live (<c>Cpst:PricingFile</c>, or several layered with <c>Cpst:PricingFiles:&lt;n&gt;</c>), how
/// often they are checked for changes, and the exchange rates for costs reported in other currencies
/// (<c>Cpst:Pricing:ExchangeRates:&lt;ISO 4217 code&gt;</c>, USD per unit). docs/pricing.md.
/// </summary>
internal sealed class PricingOptions
{
    /// <summary>Path of one price file; relative paths resolve against the working directory, then the application directory. Default <c>pricing.yaml</c>.</summary>
    public string PricingFile { get; set; } = "pricing.yaml";

    /// <summary>Several price files, layered in order (a later file's entry of a model replaces an earlier one's); when set, <see cref="PricingFile"/> is not read.</summary>
    public IReadOnlyList<string> PricingFiles { get; set; } = [];

    /// <summary>How often each file's timestamp and size are compared to the loaded version. Default 2 s.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>USD per unit of each currency a span may report a cost in; USD needs none. Default: none.</summary>
    public IReadOnlyDictionary<string, decimal> ExchangeRates { get; set; } = new Dictionary<string, decimal>();

    /// <summary>The configuration key the files were named by, for messages.</summary>
    public string Key => PricingFiles.Count > 0 ? "Cpst:PricingFiles" : "Cpst:PricingFile";

    /// <summary>The files to read, in layer order, as full paths.</summary>
    public IReadOnlyList<string> ResolvePaths() => PricingFiles.Count > 0 ? PricingFiles.Select(Resolve).ToArray() : [Resolve(PricingFile)];

    /// <summary>The single file's path (the first layer's with several).</summary>
    public string ResolvePath() => ResolvePaths()[0];

    private static string Resolve(string file)
    {
        if (Path.IsPathRooted(file) || File.Exists(file)) return Path.GetFullPath(file);
        return Path.Combine(AppContext.BaseDirectory, file);
    }

    /// <exception cref="CpstConfigurationException">An empty file name, or an exchange rate that is not a positive number or not under a three-letter code.</exception>
    public static PricingOptions Read(IConfigurationSection cpst)
    {
        var files = new List<string>();
        foreach (IConfigurationSection file in cpst.GetSection("PricingFiles").GetChildren().OrderBy(c => int.TryParse(c.Key, out int n) ? n : int.MaxValue))
        {
            if (string.IsNullOrWhiteSpace(file.Value))
                throw new CpstConfigurationException($"Cpst:PricingFiles:{file.Key} is empty; give the path of a price file (*.yaml or LiteLLM's *.json)");
            files.Add(file.Value);
        }
        var rates = new Dictionary<string, decimal>(StringComparer.OrdinalIgnoreCase);
        foreach (IConfigurationSection rate in cpst.GetSection("Pricing:ExchangeRates").GetChildren())
        {
            if (rate.Key.Length != 3 || !rate.Key.All(char.IsAsciiLetter))
                throw new CpstConfigurationException($"Cpst:Pricing:ExchangeRates:{rate.Key}: not an ISO 4217 currency code such as EUR");
            if (!decimal.TryParse(rate.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal usdPerUnit) || usdPerUnit <= 0)
                throw new CpstConfigurationException($"Cpst:Pricing:ExchangeRates:{rate.Key}: '{rate.Value}' is not a positive number of USD per {rate.Key.ToUpperInvariant()}");
            rates[rate.Key.ToUpperInvariant()] = usdPerUnit;
        }
        return new PricingOptions
        {
            PricingFile = cpst["PricingFile"] is { Length: > 0 } single ? single : "pricing.yaml",
            PricingFiles = files,
            ExchangeRates = rates,
        };
    }
}
