using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;
using Xunit.Abstractions;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// A trace whose root arrives last holds its calls until then (docs/operations.md, "Calls before the root"): held calls
/// alike are folded, so one task of two million calls takes tens of megabytes in the real process, not the 800 MB of
/// holding each call, and the calls count exactly when the root comes.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class HeldCallsMemoryTests(ITestOutputHelper output)
{
    private static readonly HttpClient Client = new() { Timeout = TimeSpan.FromMinutes(2) };

    private const int Calls = 2_000_000;
    /// <summary>About 260 KB a request, as an SDK's batches are (requests over 1 MiB are not pooled, which blurs the peak).</summary>
    private const int SpansPerRequest = 2_000;

    /// <summary>
    /// Peak resident memory allowed for the whole process (about 210 MB measured): the runtime, Kestrel and the reused
    /// decode buffers (about 100 MB), and the task: its span ids (at most 1,048,576, with their index) and 12 bytes per call
    /// held with its span id, about 75 MB at most. Holding each call took over 800 MB.
    /// </summary>
    private const long PeakBytesBound = 300L << 20;

    // A span id no real one takes: its 8 bytes are found in the encoded request and replaced, one per span.
    private static readonly byte[] Marker = [0xC5, 0x7A, 0x11, 0x5E, 0xD0, 0x0D, 0xBE, 0xEF];

    [Fact]
    public async Task Export_TwoMillionCallsBeforeTheirRoot_StayWithinTheBoundAndCountExactly()
    {
        if (!OperatingSystem.IsLinux()) return; // /proc/<pid>/status
        await using var exporter = await ExporterProcess.StartAsync();
        Uri traces = new(exporter.HttpAddress, "/v1/traces");

        // One request of SpansPerRequest one-token gpt-4o calls under the root (span 1), encoded once; each request
        // gets fresh span ids written over the marker.
        Span call = Spans.Llm(1, 2, "gpt-4o", 1, 0, Spans.Attr("gen_ai.provider.name", "openai"));
        call.SpanId = ByteString.CopyFrom(Marker);
        byte[] body = Spans.Request("bulk", Enumerable.Repeat(call, SpansPerRequest).ToArray()).ToByteArray();
        int[] idAt = Find(body, Marker);
        Assert.Equal(SpansPerRequest, idAt.Length);

        for (int request = 0; request < Calls / SpansPerRequest; request++)
        {
            for (int i = 0; i < idAt.Length; i++)
                BinaryPrimitives.WriteUInt64BigEndian(body.AsSpan(idAt[i]), 0x1000_0000_0000_0000UL + (ulong)(request * SpansPerRequest + i));
            ExportTraceServiceResponse answer = await PostAsync(traces, body);
            Assert.Equal(0, answer.PartialSuccess?.RejectedSpans ?? 0);
        }
        string before = await ScrapeAsync(exporter.MetricsAddress);
        Assert.Equal(0m, MetricsText.Sum(before, "cpst_llm_calls_total")); // held: the use case is not final yet
        Assert.Equal(1m, MetricsText.Required(before, "cpst_pending_tasks"));

        await PostAsync(traces, Spans.Request("bulk", Spans.Root(1, Spans.Attr("cpst.use_case", "bulk-import"))).ToByteArray());

        string after = await ScrapeAsync(exporter.MetricsAddress);
        Assert.Equal((decimal)Calls, MetricsText.Required(after, "cpst_llm_calls_total{use_case=\"bulk-import\",provider=\"openai\",model=\"gpt-4o\"}"));
        Assert.Equal((decimal)Calls, MetricsText.Required(after,
            "cpst_llm_tokens_total{use_case=\"bulk-import\",provider=\"openai\",model=\"gpt-4o\",token_type=\"input\"}"));
        Assert.Equal(Calls * 0.0000025m, MetricsText.Required(after, "cpst_llm_cost_usd_total{use_case=\"bulk-import\",provider=\"openai\",model=\"gpt-4o\"}"));
        Assert.Equal((decimal)Calls, MetricsText.Sum(after, "cpst_llm_calls_by_basis_total"));
        Assert.Equal(0m, MetricsText.Required(after, "cpst_early_counted_calls_total"));

        long peak = PeakResidentBytes(exporter.Id);
        output.WriteLine($"peak resident memory: {peak >> 20} MB");
        Assert.True(peak < PeakBytesBound, $"peak resident memory {peak >> 20} MB, bound {PeakBytesBound >> 20} MB");
    }

    private static async Task<ExportTraceServiceResponse> PostAsync(Uri traces, byte[] body)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(traces, content);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    }

    private static Task<string> ScrapeAsync(Uri metrics) => Client.GetStringAsync(new Uri(metrics, "/metrics"));

    private static int[] Find(byte[] haystack, byte[] needle)
    {
        var found = new List<int>();
        for (int at = haystack.AsSpan().IndexOf(needle); at >= 0;)
        {
            found.Add(at);
            int next = haystack.AsSpan(at + needle.Length).IndexOf(needle);
            at = next < 0 ? -1 : at + needle.Length + next;
        }
        return found.ToArray();
    }

    /// <summary>VmHWM: the most the process ever had resident, in bytes.</summary>
    private static long PeakResidentBytes(int pid)
    {
        foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException("no VmHWM in /proc/<pid>/status");
    }
}
