using System.Buffers.Binary;
using System.Net.Sockets;

namespace CpstExporter.Tests.Support;

/// <summary>
/// HTTP/2 cleartext with prior knowledge (RFC 9113, section 3.3) written frame by frame on a TCP socket, for what no
/// HTTP/2 client will send: header blocks that never end, floods of control frames whose answers are never read,
/// streams opened and left idle. Writes go out as given; nothing is read until <see cref="ReadUntilClosedAsync"/>.
/// </summary>
internal sealed class RawHttp2 : IDisposable
{
    /// <summary>The connection preface every HTTP/2 client starts with.</summary>
    public static readonly byte[] Preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8.ToArray();

    public const int FrameHeaderLength = 9;

    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHttp2(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public string Authority { get; private init; } = "";

    /// <summary>Connects to <paramref name="address"/> and sends the preface and an empty SETTINGS frame.</summary>
    public static async Task<RawHttp2> ConnectAsync(Uri address)
    {
        var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var connection = new RawHttp2(client) { Authority = address.Authority };
        await connection.WriteAsync([.. Preface, .. Frame(Http2FrameType.Settings, 0, 0, [])]);
        return connection;
    }

    /// <summary>One frame: the 9-byte header (length, type, flags, stream id) and the payload.</summary>
    public static byte[] Frame(Http2FrameType type, byte flags, int stream, ReadOnlySpan<byte> payload)
    {
        byte[] frame = new byte[FrameHeaderLength + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = (byte)type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream & int.MaxValue);
        payload.CopyTo(frame.AsSpan(FrameHeaderLength));
        return frame;
    }

    /// <summary><paramref name="count"/> copies of <paramref name="frame"/> back to back, to write in one go.</summary>
    public static byte[] Repeat(byte[] frame, int count)
    {
        byte[] frames = new byte[frame.Length * count];
        for (int i = 0; i < count; i++) frame.CopyTo(frames, i * frame.Length);
        return frames;
    }

    /// <summary>
    /// Writes <paramref name="bytes"/>; false when the server has closed or reset the connection, so the rest cannot go.
    /// </summary>
    public async Task<bool> WriteAsync(byte[] bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Writes <paramref name="batch"/> again and again, up to <paramref name="total"/> bytes, until the server closes
    /// the connection or <paramref name="deadline"/> passes with a write still waiting (the server stopped reading).
    /// Returns the bytes the socket took.
    /// </summary>
    public async Task<long> FloodAsync(byte[] batch, long total, TimeSpan deadline)
    {
        long written = 0;
        Task timeout = Task.Delay(deadline);
        while (written < total)
        {
            Task<bool> write = WriteAsync(batch);
            if (await Task.WhenAny(write, timeout) != write || !await write) break;
            written += batch.Length;
        }
        return written;
    }

    /// <summary>
    /// Reads (and drops) what the server sends until it closes or resets the connection, remembering the error code of
    /// a GOAWAY frame; null when the connection is still open after <paramref name="deadline"/>.
    /// </summary>
    public async Task<Http2Closing?> ReadUntilClosedAsync(TimeSpan deadline)
    {
        using var timeout = new CancellationTokenSource(deadline);
        byte[] buffer = new byte[64 * 1024];
        var frames = new Http2FrameScanner();
        try
        {
            while (true)
            {
                int read = await _stream.ReadAsync(buffer, timeout.Token);
                if (read == 0) return new Http2Closing(frames.GoAwayError, Reset: false, frames.BytesRead);
                frames.Add(buffer.AsSpan(0, read));
            }
        }
        catch (IOException)
        {
            return new Http2Closing(frames.GoAwayError, Reset: true, frames.BytesRead);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public void Dispose() => _client.Dispose();
}
