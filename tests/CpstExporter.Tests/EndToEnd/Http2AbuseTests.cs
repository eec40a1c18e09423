using System.Net;
using System.Net.Sockets;
using System.Text;
using CpstExporter.Hosting;
using Google.Protobuf;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// HTTP/2 and header abuse on every listener, written frame by frame (h2c with prior knowledge): a header block that
/// never ends (CONTINUATION flood), SETTINGS and PING floods whose answers are never read, many idle streams on many
/// connections, headers sent a byte at a time. Each abusive connection is closed by the server, and a well-behaved
/// client (a gRPC export and a scrape) issued during the attack is answered within 2 s (docs/operations.md,
/// "HTTP/2 and header abuse").
/// </summary>
[Collection(HeavyTests.Name)]
public sealed class Http2AbuseTests(ITestOutputHelper output)
{
    /// <summary>How long a test waits for the server to close an abusive connection: well past every limit that does it.</summary>
    private static readonly TimeSpan CloseDeadline = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ContinuationFlood_HeaderBlockThatNeverEnds_ConnectionClosedAndOthersServed()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using RawHttp2 attacker = await RawHttp2.ConnectAsync(exporter.GrpcAddress);
        Assert.True(await attacker.WriteAsync(RawHttp2.Frame(Http2FrameType.Headers, 0, 1, Hpack.GrpcExport(attacker.Authority))));
        // CONTINUATION frames without END_HEADERS, each another 1 KB header: 64 MiB of them unless the server stops it.
        byte[] continuation = RawHttp2.Frame(Http2FrameType.Continuation, 0, 1, Hpack.Block(("x-flood", new string('a', 1000))));
        Task<long> flood = attacker.FloodAsync(RawHttp2.Repeat(continuation, 64), 64L << 20, CloseDeadline);

        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
        long written = await flood;
        Http2Closing? closing = await attacker.ReadUntilClosedAsync(CloseDeadline);
        output.WriteLine($"{written} bytes written; {closing}");
        Assert.NotNull(closing);
        Assert.Equal(1, closing.GoAwayError); // PROTOCOL_ERROR: the header block is over its limit
        Assert.True(written < 64L << 20, $"the server took the whole 64 MiB header block ({closing})");
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 2);
    }

    [Fact]
    public async Task ContinuationFlood_EmptyFrames_ConnectionClosedAndOthersServed()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using RawHttp2 attacker = await RawHttp2.ConnectAsync(exporter.GrpcAddress);
        Assert.True(await attacker.WriteAsync(RawHttp2.Frame(Http2FrameType.Headers, 0, 1, Hpack.GrpcExport(attacker.Authority))));
        // Empty CONTINUATION frames add nothing to the header size: a limit on it alone never ends them.
        byte[] continuation = RawHttp2.Frame(Http2FrameType.Continuation, 0, 1, []);
        Task<long> flood = attacker.FloodAsync(RawHttp2.Repeat(continuation, 1024), 64L << 20, CloseDeadline);

        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
        long written = await flood;
        Http2Closing? closing = await attacker.ReadUntilClosedAsync(CloseDeadline);
        output.WriteLine($"{written} bytes written; {closing}");
        Assert.NotNull(closing); // by RequestHeadersTimeout, 10 s after the HEADERS frame
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 2);
    }

    [Fact]
    public async Task SettingsFlood_AcksNeverRead_ConnectionClosedAndOthersServed()
    {
        var (closing, frame) = await ControlFrameFloodAsync(Http2FrameType.Settings);
        Assert.NotNull(closing);
        // The server stopped answering at the limit: 100,000 answers would be 900 KB.
        Assert.True(closing.BytesRead < 2 * Http2ControlFrameLimit.MaxInARow * frame, $"the server answered the flood ({closing})");
    }

    [Fact]
    public async Task PingFlood_AcksNeverRead_ConnectionClosedAndOthersServed()
    {
        var (closing, frame) = await ControlFrameFloodAsync(Http2FrameType.Ping);
        Assert.NotNull(closing);
        // The server stopped answering at the limit: 100,000 answers would be 1.7 MB.
        Assert.True(closing.BytesRead < 2 * Http2ControlFrameLimit.MaxInARow * frame, $"the server answered the flood ({closing})");
    }

    /// <summary>Floods a connection with <paramref name="type"/> frames; how it ended and the size of one frame.</summary>
    private async Task<(Http2Closing? Closing, int FrameLength)> ControlFrameFloodAsync(Http2FrameType type)
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using RawHttp2 attacker = await RawHttp2.ConnectAsync(exporter.GrpcAddress);
        // Each frame asks for an acknowledgement the attacker never reads: 100,000 of them.
        byte[] frame = RawHttp2.Frame(type, 0, 0, type == Http2FrameType.Ping ? new byte[8] : []);
        long total = 100_000L * frame.Length;
        Task<long> flood = attacker.FloodAsync(RawHttp2.Repeat(frame, 1000), total, CloseDeadline);

        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
        long written = await flood;
        Http2Closing? closing = await attacker.ReadUntilClosedAsync(CloseDeadline);
        output.WriteLine($"{written} bytes written; {closing}");
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 2);
        Assert.Equal(1, exporter.Services.GetRequiredService<ListenerBinding>().ControlFrames.Closed); // the flood, not the export
        return (closing, frame.Length);
    }

    [Fact]
    public async Task IdleStreams_ManyOnManyConnections_ConnectionsClosedAndOthersServed()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        List<RawHttp2> attackers = await OpenIdleStreamsAsync(exporter.GrpcAddress, connections: 50, streams: 100);
        try
        {
            await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
            Http2Closing?[] closings = await Task.WhenAll(attackers.Select(a => a.ReadUntilClosedAsync(CloseDeadline)));
            output.WriteLine(string.Join("\n", closings.GroupBy(c => c?.ToString() ?? "open").Select(g => $"{g.Count()} × {g.Key}")));
            Assert.All(closings, Assert.NotNull); // by MinRequestBodyDataRate: no body at 240 bytes/s after the 5 s grace
            await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 2);
        }
        finally
        {
            foreach (RawHttp2 attacker in attackers) attacker.Dispose();
        }
    }

    [Fact]
    public async Task SlowHeaders_OnTheMetricsListener_ConnectionClosedAndScrapesServed()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        using var attacker = new TcpClient();
        await attacker.ConnectAsync(exporter.MetricsAddress.Host, exporter.MetricsAddress.Port);
        NetworkStream stream = attacker.GetStream();
        // A scrape's headers a byte every 300 ms, never finished.
        byte[] head = Encoding.ASCII.GetBytes("GET /metrics HTTP/1.1\r\nHost: exporter\r\nX-Slow: " + new string('a', 10_000));
        var started = DateTime.UtcNow;
        Task slow = Task.Run(async () =>
        {
            foreach (byte b in head)
            {
                try { await stream.WriteAsync(new[] { b }); }
                catch (IOException) { return; }
                await Task.Delay(300);
            }
        });
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
        string answer = await RawHttp.ReadHeadAsync(stream);
        output.WriteLine($"after {(DateTime.UtcNow - started).TotalSeconds} s: {answer}");
        Assert.StartsWith("HTTP/1.1 408", answer); // RequestHeadersTimeout, 10 s
        Assert.Equal(0, await stream.ReadAsync(new byte[1]).AsTask().WaitAsync(CloseDeadline)); // and closed
        await slow.WaitAsync(CloseDeadline);
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 2);
    }

    [Fact]
    public async Task Http2Preface_OnTheHttp1Listeners_ConnectionClosed()
    {
        await using ExporterUnderTest exporter = await ExporterUnderTest.StartAsync();
        foreach (Uri address in new[] { exporter.HttpAddress, exporter.MetricsAddress })
        {
            using RawHttp2 attacker = await RawHttp2.ConnectAsync(address);
            await attacker.WriteAsync(RawHttp2.Repeat(RawHttp2.Frame(Http2FrameType.Ping, 0, 0, new byte[8]), 1000));
            Http2Closing? closing = await attacker.ReadUntilClosedAsync(CloseDeadline);
            output.WriteLine($"{address}: {closing}");
            Assert.Equal(13, closing?.GoAwayError); // HTTP_1_1_REQUIRED
        }
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
    }

    /// <summary>Resident memory an exporter may gain while under every attack at once (docs/operations.md; about 60 MiB measured).</summary>
    private const long MaxGrowth = 192L << 20;

    [Fact]
    public async Task AllAttacks_OnAChildProcess_ResidentMemoryBounded()
    {
        await using ExporterProcess exporter = await ExporterProcess.StartAsync();
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 1);
        long before = ProcessMemory.Resident(exporter.Id);

        List<RawHttp2> idle = await OpenIdleStreamsAsync(exporter.GrpcAddress, connections: 50, streams: 100);
        var floods = new List<(RawHttp2, Task<long>)>();
        foreach (Http2FrameType type in new[] { Http2FrameType.Settings, Http2FrameType.Ping, Http2FrameType.Continuation })
        {
            RawHttp2 attacker = await RawHttp2.ConnectAsync(exporter.GrpcAddress);
            byte[] frame = type switch
            {
                Http2FrameType.Ping => RawHttp2.Frame(type, 0, 0, new byte[8]),
                Http2FrameType.Settings => RawHttp2.Frame(type, 0, 0, []),
                _ => RawHttp2.Frame(type, 0, 1, Hpack.Block(("x-flood", new string('a', 1000)))),
            };
            if (type == Http2FrameType.Continuation)
                await attacker.WriteAsync(RawHttp2.Frame(Http2FrameType.Headers, 0, 1, Hpack.GrpcExport(attacker.Authority)));
            floods.Add((attacker, attacker.FloodAsync(RawHttp2.Repeat(frame, 100), 16L << 20, CloseDeadline)));
        }
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 2);
        long during = ProcessMemory.Resident(exporter.Id);
        foreach (var (attacker, flood) in floods) await flood;
        foreach (RawHttp2 attacker in idle.Concat(floods.Select(f => f.Item1)))
        {
            Assert.NotNull(await attacker.ReadUntilClosedAsync(CloseDeadline));
            attacker.Dispose();
        }
        long after = ProcessMemory.Resident(exporter.Id);
        long peak = ProcessMemory.Peak(exporter.Id);
        output.WriteLine($"RSS before {before >> 20} MiB, during {during >> 20}, after {after >> 20}, peak {peak >> 20} MiB");
        Assert.True(peak - before < MaxGrowth, $"resident memory grew from {before >> 20} MiB to a peak of {peak >> 20} MiB under the attacks");
        Assert.False(exporter.HasExited);
        await ServedWithinTwoSecondsAsync(exporter.GrpcAddress, exporter.MetricsAddress, 3);
    }

    /// <summary>
    /// <paramref name="connections"/> connections each with <paramref name="streams"/> export calls whose headers are sent
    /// and whose body never comes.
    /// </summary>
    private static async Task<List<RawHttp2>> OpenIdleStreamsAsync(Uri address, int connections, int streams)
    {
        var opened = new List<RawHttp2>();
        for (int c = 0; c < connections; c++)
        {
            RawHttp2 connection = await RawHttp2.ConnectAsync(address);
            opened.Add(connection);
            byte[] headers = Hpack.GrpcExport(connection.Authority);
            var frames = new List<byte>();
            for (int s = 0; s < streams; s++) frames.AddRange(RawHttp2.Frame(Http2FrameType.Headers, 0x4 /* END_HEADERS */, 2 * s + 1, headers));
            await connection.WriteAsync(frames.ToArray());
        }
        return opened;
    }

    /// <summary>A new client's gRPC export and scrape, each answered within 2 s.</summary>
    private static async Task ServedWithinTwoSecondsAsync(Uri grpc, Uri metrics, int trace)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        using (HttpResponseMessage export = await GrpcCall.SendAsync(client, grpc, Spans.Request("well-behaved", Spans.Root(trace)).ToByteArray()))
            Assert.Equal(0, GrpcCall.Status(export));
        using HttpResponseMessage scrape = await client.GetAsync(new Uri(metrics, "/metrics"));
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
    }
}
