namespace CpstExporter.Pricing;

/// <summary>Where the price table lives (<c>Cpst:PricingFile</c>) and how often it is checked for changes.</summary>
internal sealed class PricingOptions
{
    /// <summary>Path of <c>pricing.yaml</c>; relative paths resolve against the working directory, then the application directory. Default <c>pricing.yaml</c>.</summary>
    public string PricingFile { get; set; } = "pricing.yaml";

    /// <summary>How often the file's timestamp and size are compared to the loaded version. Default 2 s.</summary>
    public TimeSpan ReloadInterval { get; set; } = TimeSpan.FromSeconds(2);

    public string ResolvePath()
    {
        if (Path.IsPathRooted(PricingFile) || File.Exists(PricingFile)) return Path.GetFullPath(PricingFile);
        return Path.Combine(AppContext.BaseDirectory, PricingFile);
    }
}
