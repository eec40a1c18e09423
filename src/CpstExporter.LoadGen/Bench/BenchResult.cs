using System.Globalization;
using System.Text.Json;

namespace CpstExporter.LoadGen.Bench;

/// <summary>The figures the performance targets are stated in (BENCHMARKS.md), under the names the JSON carries.</summary>
internal sealed record BenchResult
{
    /// <summary>Spans the exporter accepted and counted per second (<c>cpst_received_spans_total</c>), at full load.</summary>
    public required double SpansPerSecond { get; init; }

    /// <summary>The exporter's CPU time (<c>process_cpu_seconds_total</c>) per span it counted, µs.</summary>
    public required double ServerCpuUsPerSpan { get; init; }

    /// <summary>CPU time per span of parsing the same requests with the generated Google.Protobuf classes on one thread, µs.</summary>
    public required double DecodeCpuUsPerSpan { get; init; }

    /// <summary><see cref="ServerCpuUsPerSpan"/> ÷ <see cref="DecodeCpuUsPerSpan"/>: the whole service against a bare parse.</summary>
    public double CpuRatio => ServerCpuUsPerSpan / DecodeCpuUsPerSpan;

    /// <summary>99th percentile of Export call latency as the harness saw it, ms.</summary>
    public required double ExportP99Ms { get; init; }

    /// <summary>Growth of the exporter's resident memory per task left pending, bytes.</summary>
    public required double PendingTaskBytes { get; init; }

    /// <summary>Median time to fetch <c>/metrics</c> holding 10,000 series, ms.</summary>
    public required double ScrapeMs10kSeries { get; init; }

    public byte[] ToJson()
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartObject();
            json.WriteNumber("spans_per_second", Math.Round(SpansPerSecond));
            json.WriteNumber("server_cpu_us_per_span", Math.Round(ServerCpuUsPerSpan, 3));
            json.WriteNumber("decode_cpu_us_per_span", Math.Round(DecodeCpuUsPerSpan, 3));
            json.WriteNumber("cpu_ratio", Math.Round(CpuRatio, 3));
            json.WriteNumber("export_p99_ms", Math.Round(ExportP99Ms, 2));
            json.WriteNumber("pending_task_bytes", Math.Round(PendingTaskBytes));
            json.WriteNumber("scrape_ms_10k_series", Math.Round(ScrapeMs10kSeries, 2));
            json.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        return buffer.ToArray();
    }

    public void WriteTable(TextWriter o)
    {
        o.WriteLine("| figure                 |        value | target    |");
        o.WriteLine("|------------------------|-------------:|-----------|");
        Row(o, "spans_per_second", SpansPerSecond.ToString("N0", CultureInfo.InvariantCulture), "");
        Row(o, "server_cpu_us_per_span", ServerCpuUsPerSpan.ToString("F3", CultureInfo.InvariantCulture), "");
        Row(o, "decode_cpu_us_per_span", DecodeCpuUsPerSpan.ToString("F3", CultureInfo.InvariantCulture), "");
        Row(o, "cpu_ratio", CpuRatio.ToString("F2", CultureInfo.InvariantCulture), "≤ 2 (≤ 1)");
        Row(o, "export_p99_ms", ExportP99Ms.ToString("F2", CultureInfo.InvariantCulture), "");
        Row(o, "pending_task_bytes", PendingTaskBytes.ToString("F0", CultureInfo.InvariantCulture), "≤ 256");
        Row(o, "scrape_ms_10k_series", ScrapeMs10kSeries.ToString("F2", CultureInfo.InvariantCulture), "≤ 10");
    }

    private static void Row(TextWriter o, string name, string value, string target) =>
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name,-22} | {value,12} | {target,-9} |"));
}
