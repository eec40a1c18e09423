namespace CpstExporter.Receiving;

/// <summary>The payload is not a valid OTLP message; the message says where, for the client's error response.</summary>
internal sealed class OtlpFormatException(string message) : Exception(message);
