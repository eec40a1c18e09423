using CpstExporter;
using CpstExporter.Pricing;
using CpstExporter.Primitives;

// --check-config is a switch, not a configuration key: take it out before the command-line configuration sees it.
bool checkOnly = args.Contains("--check-config", StringComparer.Ordinal);
string[] configurationArgs = args.Where(a => a != "--check-config").ToArray();
try
{
    if (checkOnly)
    {
        Console.WriteLine(CpstHost.CheckConfiguration(configurationArgs, Console.Error));
        return 0;
    }
    await CpstHost.Build(configurationArgs).RunAsync();
    return 0;
}
catch (CpstConfigurationException e)
{
    Console.Error.WriteLine($"cpst-exporter: {e.Message}");
    return 2;
}
catch (PriceTableException e)
{
    // Checked before the host starts; this is the price table changing into a broken one in between.
    Console.Error.WriteLine($"cpst-exporter: price file: {e.Message}"); // the message names the file
    return 2;
}
