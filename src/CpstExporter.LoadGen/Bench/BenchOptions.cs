namespace CpstExporter.LoadGen.Bench;

/// <summary>What the performance harness measures against, and how hard it pushes.</summary>
internal sealed record BenchOptions
{
    /// <summary>The exporter's OTLP/gRPC endpoint.</summary>
    public required Uri Endpoint { get; init; }

    /// <summary>The exporter's <c>/metrics</c> URL: the spans it counted and the CPU and memory it used are read there.</summary>
    public required Uri Metrics { get; init; }

    /// <summary>Seconds of full-rate export that are measured, after <see cref="WarmupSeconds"/>. Default 30.</summary>
    public double DurationSeconds { get; init; } = 30;

    /// <summary>Seconds of full-rate export before measuring, so that the exporter's JIT has tiered up. Default 10.</summary>
    public double WarmupSeconds { get; init; } = 10;

    /// <summary>HTTP/2 connections, each with one Export call in flight. Default 2 (one per core of the reference machine).</summary>
    public int Connections { get; init; } = 2;

    /// <summary>Spans per Export request, rounded down to whole tasks. Default 512, the OpenTelemetry SDK's batch size.</summary>
    public int BatchSpans { get; init; } = 512;

    /// <summary>Tasks left pending (no outcome) to measure memory per pending task. Default 500,000.</summary>
    public int PendingTasks { get; init; } = 500_000;

    /// <summary>Series (samples per scrape) to reach before timing <c>/metrics</c>. Default 10,000.</summary>
    public int Series { get; init; } = 10_000;

    /// <summary>Where to write the results as JSON; null for none.</summary>
    public string? JsonPath { get; init; }

    public static BenchOptions Parse(CommandLine line)
    {
        var defaults = new BenchOptions { Endpoint = new Uri("http://127.0.0.1:4317"), Metrics = new Uri("http://127.0.0.1:9464/metrics") };
        Uri endpoint = line.Url("endpoint") ?? throw new UsageException("bench needs --endpoint, the exporter's OTLP/gRPC URL (e.g. http://127.0.0.1:4317)");
        Uri metrics = line.Url("metrics") ?? throw new UsageException("bench needs --metrics, the exporter's /metrics URL (e.g. http://127.0.0.1:9464/metrics)");
        if (metrics.AbsolutePath == "/") metrics = new Uri(metrics, "/metrics");
        return defaults with
        {
            Endpoint = endpoint,
            Metrics = metrics,
            DurationSeconds = line.Double("duration", min: 1) ?? defaults.DurationSeconds,
            WarmupSeconds = line.Double("warmup", min: 0) ?? defaults.WarmupSeconds,
            Connections = line.Int("connections", min: 1) ?? defaults.Connections,
            BatchSpans = line.Int("batch", min: BenchPayloads.SpansPerTask) ?? defaults.BatchSpans,
            PendingTasks = line.Int("pending-tasks", min: 1000) ?? defaults.PendingTasks,
            Series = line.Int("series", min: 100) ?? defaults.Series,
            JsonPath = line.String("json"),
        };
    }
}
