using System.IO.Compression;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// A gzip bomb over OTLP/gRPC is refused with RESOURCE_EXHAUSTED once its inflated size passes
/// <c>Cpst:Limits:MaxRequestBytes</c>, and inflating it costs about the limit in memory, not its size. Alone in its
/// collection, so that the process's allocations while it runs are the exporter's answer to this one request.
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class GrpcGzipBombTests
{
    private const int Limit = 1_000_000;
    private const long Inflated = 1_000_000_000;

    /// <summary>A gRPC frame of <see cref="Inflated"/> zero bytes, gzipped: about 1 MB on the wire.</summary>
    private static byte[] BombFrame()
    {
        using var compressed = new MemoryStream();
        using (var zip = new GZipStream(compressed, CompressionLevel.Optimal))
        {
            byte[] zeros = new byte[1 << 20];
            for (long written = 0; written < Inflated; written += zeros.Length) zip.Write(zeros);
        }
        byte[] payload = compressed.ToArray();
        byte[] frame = new byte[5 + payload.Length];
        frame[0] = 1;
        System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)payload.Length);
        payload.CopyTo(frame, 5);
        return frame;
    }

    [Fact]
    public async Task Export_GzipBomb_ResourceExhaustedWithBoundedMemory()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync(new Dictionary<string, string?>
        {
            ["Cpst:Limits:MaxRequestBytes"] = Limit.ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        byte[] frame = BombFrame();
        Assert.InRange(frame.Length, 1, Limit); // under the limit on the wire: the prefix check lets it through
        using var client = new HttpClient();
        using HttpRequestMessage request = GrpcCall.Request(exporter.GrpcAddress, new ByteArrayContent(frame), gzip: true);

        long before = GC.GetTotalAllocatedBytes(precise: true);
        using HttpResponseMessage response = await client.SendAsync(request);
        long allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.Equal(8, GrpcCall.Status(response));
        Assert.Contains("after decompression", GrpcCall.Message(response));
        // Inflating it whole would allocate at least the gigabyte; bounded, it is a few times the 1 MB limit.
        Assert.InRange(allocated, 0, 64L * 1024 * 1024);
        Assert.Equal(1m, MetricsText.Required(await exporter.ScrapeAsync(), "cpst_rejected_requests_total{reason=\"too_large\"}"));
    }
}
