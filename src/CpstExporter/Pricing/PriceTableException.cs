namespace CpstExporter.Pricing;

/// <summary>The price table file cannot be used; the message names the file, the entry and the problem.</summary>
internal sealed class PriceTableException(string message) : Exception(message);
