using System.Diagnostics;

namespace CpstExporter.Exposition;

/// <summary>The standard <c>process_*</c> metrics every Prometheus exporter carries.</summary>
internal sealed class ProcessMetrics
{
    private readonly double _startTimeSeconds;

    public ProcessMetrics()
    {
        using var self = Process.GetCurrentProcess();
        _startTimeSeconds = new DateTimeOffset(self.StartTime.ToUniversalTime()).ToUnixTimeMilliseconds() / 1000.0;
    }

    public void Write(ExpositionBuffer o, bool om)
    {
        MetricsWriter.Header(o, om, "process_cpu_seconds_total", "counter", "Total user and system CPU time spent in seconds.");
        o.Write("process_cpu_seconds_total "u8);
        o.Write(Environment.CpuUsage.TotalTime.TotalSeconds);
        o.Write((byte)'\n');

        MetricsWriter.Header(o, om, "process_resident_memory_bytes", "gauge", "Resident memory size in bytes.");
        MetricsWriter.Sample(o, "process_resident_memory_bytes"u8, null, default, Environment.WorkingSet);

        MetricsWriter.Header(o, om, "process_start_time_seconds", "gauge", "Start time of the process since unix epoch in seconds.");
        o.Write("process_start_time_seconds "u8);
        o.Write(_startTimeSeconds);
        o.Write((byte)'\n');
    }
}
