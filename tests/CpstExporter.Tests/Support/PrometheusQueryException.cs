namespace CpstExporter.Tests.Support;

/// <summary>A Prometheus HTTP API query that answered with an error.</summary>
internal sealed class PrometheusQueryException(string message) : Exception(message);
