namespace CpstExporter.Primitives;

/// <summary>A configuration value is wrong; the message names the key and what it should be.</summary>
internal sealed class CpstConfigurationException(string message) : InvalidOperationException(message);
