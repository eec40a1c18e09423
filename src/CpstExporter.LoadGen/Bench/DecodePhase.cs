using System.Diagnostics;
using System.Globalization;
using CpstExporter.Receiving.Otlp;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// The yardstick for the exporter's CPU: the same requests parsed into the generated Google.Protobuf classes on one
/// thread of this process, measured in process CPU time while nothing else here runs (the connections are idle).
/// Garbage collection of the parsed objects is included, as it is in the exporter's figure.
/// </summary>
internal sealed class DecodePhase(TextWriter log)
{
    private static readonly TimeSpan Warmup = TimeSpan.FromSeconds(2), Measure = TimeSpan.FromSeconds(5);

    public double Run(IReadOnlyList<PayloadTemplate> templates)
    {
        Parse(templates, Warmup);
        TimeSpan cpuBefore = Environment.CpuUsage.TotalTime;
        (long spans, TimeSpan wall) = Parse(templates, Measure);
        TimeSpan cpu = Environment.CpuUsage.TotalTime - cpuBefore;
        double usPerSpan = cpu.TotalMicroseconds / spans;
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"bench: Google.Protobuf parsed {spans} spans in {wall.TotalSeconds:F1} s on one thread, {cpu.TotalSeconds:F2} s CPU: {usPerSpan:F3} µs per span"));
        return usPerSpan;
    }

    private static (long Spans, TimeSpan Wall) Parse(IReadOnlyList<PayloadTemplate> templates, TimeSpan duration)
    {
        long spans = 0;
        long start = Stopwatch.GetTimestamp();
        for (int n = 0; Stopwatch.GetElapsedTime(start) < duration; n++)
        {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.Parser.ParseFrom(templates[n % templates.Count].Message);
            foreach (ResourceSpans resource in request.ResourceSpans)
                foreach (ScopeSpans scope in resource.ScopeSpans)
                    spans += scope.Spans.Count;
        }
        return (spans, Stopwatch.GetElapsedTime(start));
    }
}
