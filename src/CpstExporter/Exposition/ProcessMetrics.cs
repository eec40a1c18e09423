using System.Diagnostics;

namespace CpstExporter.Exposition;

/// <summary>
/// The values of the standard <c>process_*</c> metrics every Prometheus exporter carries; their names and help are in
/// <see cref="Aggregation.MetricCatalogue"/>, and <see cref="MetricsWriter"/> writes them.
/// </summary>
internal sealed class ProcessMetrics
{
    public ProcessMetrics()
    {
        using var self = Process.GetCurrentProcess();
        StartTimeSeconds = new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    /// <summary>User and system CPU time spent, seconds.</summary>
    public double CpuSeconds => Environment.CpuUsage.TotalTime.TotalSeconds;

    public long ResidentMemoryBytes => Environment.WorkingSet;

    /// <summary>When the process started, Unix seconds.</summary>
    public double StartTimeSeconds { get; }
}
