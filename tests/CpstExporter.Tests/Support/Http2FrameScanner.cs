using System.Buffers.Binary;

namespace CpstExporter.Tests.Support;

/// <summary>
/// Follows the frames of an HTTP/2 byte stream from the server, skipping the payloads it does not need, to find the
/// GOAWAY frame and its error code (RFC 9113, section 6.8). The server's first bytes are frames too: an HTTP/2 server
/// sends no preface but its SETTINGS frame.
/// </summary>
internal sealed class Http2FrameScanner
{
    private readonly byte[] _header = new byte[RawHttp2.FrameHeaderLength + 8];
    private int _headerFilled;
    private int _payloadLeft;
    private bool _inGoAway;

    public long BytesRead { get; private set; }
    public int? GoAwayError { get; private set; }

    public void Add(ReadOnlySpan<byte> bytes)
    {
        BytesRead += bytes.Length;
        while (!bytes.IsEmpty)
        {
            if (_payloadLeft > 0 && !_inGoAway)
            {
                int skip = Math.Min(_payloadLeft, bytes.Length);
                _payloadLeft -= skip;
                bytes = bytes[skip..];
                continue;
            }
            // A frame header, or a GOAWAY's header and its first 8 payload bytes (last stream id, error code).
            int want = _inGoAway ? _header.Length : RawHttp2.FrameHeaderLength;
            int take = Math.Min(want - _headerFilled, bytes.Length);
            bytes[..take].CopyTo(_header.AsSpan(_headerFilled));
            _headerFilled += take;
            bytes = bytes[take..];
            if (_headerFilled < want) continue;

            int length = _header[0] << 16 | _header[1] << 8 | _header[2];
            if (!_inGoAway && (Http2FrameType)_header[3] == Http2FrameType.GoAway && length >= 8)
            {
                _inGoAway = true;
                continue;
            }
            if (_inGoAway)
            {
                GoAwayError = BinaryPrimitives.ReadInt32BigEndian(_header.AsSpan(RawHttp2.FrameHeaderLength + 4));
                _inGoAway = false;
                length -= 8;
            }
            _headerFilled = 0;
            _payloadLeft = length;
        }
    }
}
