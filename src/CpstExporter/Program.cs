using CpstExporter;
using CpstExporter.Pricing;

try
{
    await CpstHost.Build(args).RunAsync();
    return 0;
}
catch (Exception e) when (e is CpstConfigurationException or PriceTableException)
{
    Console.Error.WriteLine($"cpst-exporter: {e.Message}");
    return 2;
}
