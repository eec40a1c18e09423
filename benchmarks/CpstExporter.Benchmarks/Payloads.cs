extern alias LoadGen;
using CpstExporter.Pricing;
using LoadGen::CpstExporter.LoadGen.Bench;

namespace CpstExporter.Benchmarks;

/// <summary>
/// The request the bench harness sends (src/CpstExporter.LoadGen: 85 tasks of a root, three LLM calls and two tool
/// calls, GenAI attributes), so microbenchmarks and the harness measure the same bytes.
/// </summary>
internal static class Payloads
{
    /// <summary>Spans per request: <see cref="BenchPayloads.SpansPerTask"/> × 85 tasks. A constant, for <c>OperationsPerInvoke</c>.</summary>
    public const int Spans = 510;

    public static PayloadTemplate Template()
    {
        PayloadTemplate template = new BenchPayloads(seed: 4317).Throughput(512);
        if (template.Spans != Spans) throw new InvalidOperationException($"the bench request has {template.Spans} spans, not {Spans}");
        return template;
    }

    /// <summary>A gRPC frame of the request with trace ids stamped from <paramref name="sequence"/>.</summary>
    public static byte[] Frame(PayloadTemplate template, ref ulong sequence)
    {
        byte[] frame = template.NewFrame();
        template.Stamp(frame, high: 0x0123_4567_89AB_CDEF, ref sequence);
        return frame;
    }

    /// <summary>The shipped price table, found next to the binaries or, from BenchmarkDotNet's generated project, up in the repository.</summary>
    public static PriceTable ShippedPrices()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            foreach (string candidate in new[] { Path.Combine(dir.FullName, "pricing.yaml"), Path.Combine(dir.FullName, "src", "CpstExporter", "pricing.yaml") })
                if (File.Exists(candidate)) return PriceTableLoader.Load(candidate);
        }
        throw new FileNotFoundException("pricing.yaml not found above " + AppContext.BaseDirectory);
    }
}
