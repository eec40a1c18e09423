using System.Buffers;
using System.IO.Pipelines;
using CpstExporter.Hosting;
using Microsoft.AspNetCore.Connections;

namespace CpstExporter.Tests.Hosting;

public sealed class Http2ControlFrameReaderTests
{
    private const int Max = 10;

    private static byte[] Ping(bool ack = false) => RawHttp2.Frame(Http2FrameType.Ping, ack ? (byte)1 : (byte)0, 0, new byte[8]);
    private static byte[] Settings() => RawHttp2.Frame(Http2FrameType.Settings, 0, 0, [0, 3, 0, 0, 0, 100]);
    private static byte[] Headers(int stream) => RawHttp2.Frame(Http2FrameType.Headers, 0x4, stream, Hpack.Block(("x", "y")));

    [Fact]
    public async Task Read_ControlFramesPastTheLimitInARow_ConnectionAborted()
    {
        byte[] input = [.. RawHttp2.Preface, .. Enumerable.Range(0, Max).SelectMany(i => i % 2 == 0 ? Ping() : Settings()), .. Ping()];
        await Assert.ThrowsAsync<ConnectionAbortedException>(() => ReadAllAsync(input, chunk: 5));
    }

    [Fact]
    public async Task Read_ControlFramesUpToTheLimit_PassedThroughUnchanged()
    {
        byte[] input = [.. RawHttp2.Preface, .. Enumerable.Range(0, Max).SelectMany(_ => Ping())];
        Assert.Equal(input, await ReadAllAsync(input, chunk: 7));
    }

    [Fact]
    public async Task Read_RequestsBetweenControlFrames_NeverAborted()
    {
        // A busy client's bandwidth probes: a PING per request, and its acknowledgements, many times the limit.
        IEnumerable<byte> frames = Enumerable.Range(0, 10 * Max).SelectMany(i => (byte[])[.. Ping(), .. Ping(ack: true), .. Ping(ack: true), .. Headers(2 * i + 1)]);
        byte[] input = [.. RawHttp2.Preface, .. frames];
        Assert.Equal(input, await ReadAllAsync(input, chunk: 3));
    }

    [Fact]
    public async Task Read_ControlFrameBytesInsideAPayload_NotCounted()
    {
        // A DATA payload that looks like a flood of PING frames is data: only frame headers count.
        byte[] lookalike = Enumerable.Range(0, 5 * Max).SelectMany(_ => Ping()).ToArray();
        byte[] input = [.. RawHttp2.Preface, .. RawHttp2.Frame(Http2FrameType.Data, 0, 1, lookalike), .. Ping()];
        Assert.Equal(input, await ReadAllAsync(input, chunk: 1000));
    }

    /// <summary>Writes <paramref name="input"/> in chunks and reads it through the reader, consuming half of each read.</summary>
    private static async Task<byte[]> ReadAllAsync(byte[] input, int chunk)
    {
        var pipe = new Pipe();
        var reader = new Http2ControlFrameReader(pipe.Reader, Max);
        var output = new List<byte>();
        for (int at = 0; at < input.Length || output.Count < input.Length;)
        {
            if (at < input.Length)
            {
                int n = Math.Min(chunk, input.Length - at);
                await pipe.Writer.WriteAsync(input.AsMemory(at, n));
                at += n;
                if (at == input.Length) await pipe.Writer.CompleteAsync();
            }
            ReadResult result = await reader.ReadAsync();
            // Consume part of what was read, as a parser waiting for a whole frame does: the rest comes again.
            long consume = result.IsCompleted ? result.Buffer.Length : (result.Buffer.Length + 1) / 2;
            output.AddRange(result.Buffer.Slice(0, consume).ToArray());
            reader.AdvanceTo(result.Buffer.GetPosition(consume), result.Buffer.End);
            if (result.IsCompleted && consume == result.Buffer.Length) break;
        }
        return output.ToArray();
    }
}
