using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Connections;

namespace CpstExporter.Hosting;

/// <summary>
/// The input of an HTTP/2 connection, passed through unchanged while its frame headers are read once each, as Kestrel
/// reads them: past <paramref name="maxInARow"/> SETTINGS or PING frames that are not acknowledgements, with no
/// HEADERS or DATA frame between them, <paramref name="onFlood"/> is called, a read fails with
/// <see cref="ConnectionAbortedException"/> and Kestrel closes the connection (<see cref="Http2ControlFrameLimit"/>). Nothing is copied or allocated per read.
/// </summary>
internal sealed class Http2ControlFrameReader(PipeReader inner, int maxInARow, Action? onFlood = null) : PipeReader
{
    private const int PrefaceLength = 24; // "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", checked by Kestrel
    private const int FrameHeaderLength = 9;
    private const byte Headers = 0x1, Data = 0x0, Settings = 0x4, Ping = 0x6, Ack = 0x1;

    private ReadOnlySequence<byte> _buffer; // the last buffer handed out
    private long _scanned; // bytes of _buffer whose frame headers were read
    private long _skip = PrefaceLength; // bytes before the next frame header: the preface, then each payload
    private readonly byte[] _header = new byte[FrameHeaderLength];
    private int _headerFilled;
    private int _inARow;

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no state machine allocated per read that waits
    public override async ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        ReadResult result = await inner.ReadAsync(cancellationToken).ConfigureAwait(false);
        Check(result.Buffer);
        return result;
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!inner.TryRead(out result)) return false;
        Check(result.Buffer);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed) => AdvanceTo(consumed, consumed);

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        // The next buffer starts at consumed: what was read of this one past it is read already.
        _scanned -= _buffer.Slice(0, consumed).Length;
        _buffer = default;
        inner.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => inner.CancelPendingRead();

    public override void Complete(Exception? exception = null) => inner.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => inner.CompleteAsync(exception);

    private void Check(ReadOnlySequence<byte> buffer)
    {
        _buffer = buffer;
        if (buffer.Length <= _scanned) return;
        ReadOnlySequence<byte> unread = buffer.Slice(_scanned);
        _scanned = buffer.Length;
        foreach (ReadOnlyMemory<byte> segment in unread)
        {
            ReadOnlySpan<byte> bytes = segment.Span;
            while (!bytes.IsEmpty)
            {
                if (_skip > 0)
                {
                    int skipped = (int)Math.Min(_skip, bytes.Length);
                    _skip -= skipped;
                    bytes = bytes[skipped..];
                    continue;
                }
                int take = Math.Min(FrameHeaderLength - _headerFilled, bytes.Length);
                bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
                _headerFilled += take;
                bytes = bytes[take..];
                if (_headerFilled == FrameHeaderLength) OnFrameHeader();
            }
        }
    }

    private void OnFrameHeader()
    {
        _headerFilled = 0;
        _skip = _header[0] << 16 | _header[1] << 8 | _header[2];
        byte type = _header[3];
        if (type is Headers or Data) _inARow = 0;
        else if (type is Settings or Ping && (_header[4] & Ack) == 0 && ++_inARow > maxInARow)
        {
            onFlood?.Invoke();
            throw new ConnectionAbortedException(
                $"more than {maxInARow} SETTINGS or PING frames without a request between them: the connection is closed");
        }
    }
}
