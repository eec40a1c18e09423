namespace CpstExporter.Billing.Focus;

/// <summary>
/// A file's content as it is read (decompressed, for gzip): refuses it past the size limit, and for gzip keeps the
/// CRC-32 and length that the file's trailer must match. .NET's <see cref="System.IO.Compression.GZipStream"/> reads a
/// truncated file to a quiet end rather than failing, so the trailer is what tells a cut-off export from a whole one.
/// </summary>
internal sealed class CheckedContentStream(Stream inner, long maxBytes, bool computeCrc) : Stream
{
    private long _length;
    private uint _crc;

    /// <summary>Bytes read so far.</summary>
    public long BytesRead => _length;

    /// <summary>CRC-32 of the bytes read so far (when asked for).</summary>
    public uint Crc => _crc;

    public override int Read(Span<byte> buffer)
    {
        int read = inner.Read(buffer);
        Count(buffer[..read]);
        return read;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    private void Count(ReadOnlySpan<byte> bytes)
    {
        _length += bytes.Length;
        if (_length > maxBytes)
            throw new FocusFileException($"the content is larger than {maxBytes} bytes (Cpst:Billing:Focus:MaxFileBytes)");
        if (computeCrc) _crc = Crc32.Append(_crc, bytes);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inner.Dispose();
        base.Dispose(disposing);
    }
}
