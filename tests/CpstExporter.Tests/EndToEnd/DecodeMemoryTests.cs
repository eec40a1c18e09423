using System.Net;
using System.Net.Http.Headers;
using CpstExporter.Receiving;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// What a request may take in memory once decoded, on the wire: a small gzip request of millions of attributes the
/// conventions read is refused as too large without the memory their records would take; one of tens of millions of
/// attributes nobody reads is accepted without any, as they are skipped where they are read; a large request of real
/// spans is accepted; and the pool keeps none of their arrays afterwards. Memory is measured in this process, so these
/// run alone.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class DecodeMemoryTests(ITestOutputHelper output)
{
    // 5.5 million "outcome" attributes without a value: 60 MB inflated, under the default MaxRequestBytes of 64 MiB,
    // and 215 MB as attribute records and keys.
    private static readonly Lazy<byte[]> Bomb = new(() => HostilePayloads.KeyedAttributesProtobuf(5_500_000, "outcome"));

    [Fact]
    public async Task HttpTraces_MillionsOfKeptAttributesGzipped_Answers413WithoutTheirMemory()
    {
        byte[] gzip = HostilePayloads.Gzip(Bomb.Value);
        Assert.True(gzip.Length < 200_000, $"{gzip.Length} bytes gzipped");
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        var pool = exporter.Services.GetRequiredService<SpanBatchPool>();
        using var client = new HttpClient();
        long heapBefore = GC.GetTotalMemory(forceFullCollection: true);
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        using HttpResponseMessage response = await PostAsync(client, exporter, gzip, gzip: true);

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"{gzip.Length} bytes gzipped, {allocated / 1024 / 1024} MiB allocated while it was answered");
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        var status = global::CpstExporter.Receiving.Rpc.Status.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(8, status.Code);
        Assert.Contains("once decoded", status.Message);
        // The inflated body (64 MiB as its buffer doubles) and records up to the budget of twice MaxRequestBytes
        // (128 MiB, plus the copies while the array doubles): a few hundred MB at most, where decoding it whole took 2.5 GB.
        Assert.True(allocated < 768L * 1024 * 1024, $"{allocated / 1024 / 1024} MiB allocated for one request");
        // Nothing of it is kept: not by the batch pool, not by the buffer pool.
        Assert.True(pool.RetainedBytes <= SpanBatchPool.MaxBatchBytes, $"the pool keeps {pool.RetainedBytes} bytes");
        long heapGrowth = GC.GetTotalMemory(forceFullCollection: true) - heapBefore;
        output.WriteLine($"heap {heapGrowth / 1024} KiB larger after it, the pool keeps {pool.RetainedBytes} bytes");
        Assert.True(heapGrowth < 32L * 1024 * 1024, $"the heap grew by {heapGrowth / 1024 / 1024} MiB");
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }

    [Fact]
    public async Task Grpc_MillionsOfKeptAttributesGzipped_ResourceExhausted()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using var client = new HttpClient();

        using HttpResponseMessage response = await GrpcCall.SendAsync(client, exporter.GrpcAddress, Bomb.Value, gzip: true);

        Assert.Equal(8, GrpcCall.Status(response));
        Assert.Contains("once decoded", GrpcCall.Message(response));
        Assert.True(exporter.Services.GetRequiredService<SpanBatchPool>().RetainedBytes <= SpanBatchPool.MaxBatchBytes);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }

    [Fact]
    public async Task HttpTraces_ThirtyMillionUnreadAttributesGzipped_AcceptedWithoutTheirMemory()
    {
        // 60 MB inflated, 1.2 GB as attribute records if they were kept: about 58 KB gzipped.
        byte[] gzip = HostilePayloads.Gzip(HostilePayloads.EmptyAttributesProtobuf(30_000_000));
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using var client = new HttpClient();
        long allocatedBefore = GC.GetTotalAllocatedBytes(precise: true);

        using HttpResponseMessage response = await PostAsync(client, exporter, gzip, gzip: true);

        long allocated = GC.GetTotalAllocatedBytes(precise: true) - allocatedBefore;
        output.WriteLine($"{gzip.Length} bytes gzipped, {allocated / 1024 / 1024} MiB allocated while it was answered");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        // The inflated body (64 MiB as its buffer doubles) and no records: the attributes were skipped as they were read.
        Assert.True(allocated < 256L * 1024 * 1024, $"{allocated / 1024 / 1024} MiB allocated for one request");
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
    }

    [Fact]
    public async Task HttpTraces_LargeRequestOfRealSpans_IsAcceptedAndItsBatchIsNotKept()
    {
        // 64 bench requests in one (a protobuf message concatenated with another is their merge): 20 MB, 32,640 spans
        // of GenAI attributes, each with new trace ids. Decoded, 33 MB: within the budget, past what the pool keeps.
        byte[] body = BenchRequests.Concatenated(64);
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        var pool = exporter.Services.GetRequiredService<SpanBatchPool>();
        using var client = new HttpClient();

        using HttpResponseMessage response = await PostAsync(client, exporter, body, gzip: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync()); // no partial success: every span taken
        Assert.Equal(64m * BenchRequests.SpansEach, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
        Assert.True(pool.RetainedBytes <= SpanBatchPool.MaxBatchBytes, $"the pool keeps {pool.RetainedBytes} bytes");
    }

    [Fact]
    public async Task HttpTraces_RealSpansUpToMaxRequestBytes_AreAccepted()
    {
        // A request of real spans as large as MaxRequestBytes allows decodes within twice MaxRequestBytes.
        byte[] body = BenchRequests.Concatenated(13);
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Limits:MaxRequestBytes"] = body.Length.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var client = new HttpClient();

        using HttpResponseMessage response = await PostAsync(client, exporter, body, gzip: false);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(13m * BenchRequests.SpansEach, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_received_spans_total{protocol=\"http_protobuf\"}"));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient client, ExporterUnderTest exporter, byte[] body, bool gzip)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        if (gzip) content.Headers.ContentEncoding.Add("gzip");
        return client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
    }
}
