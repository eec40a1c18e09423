using Grpc.Core;

namespace CpstExporter.Receiving;

/// <summary>
/// Reads a decompressing stream up to a limit: never asks it for more than one byte past the limit, and fails with
/// RESOURCE_EXHAUSTED when that byte exists, so what a gzip bomb costs is the limit, not its inflated size. Corrupt
/// compressed data is INVALID_ARGUMENT, a malformed request.
/// </summary>
internal sealed class BoundedInflateStream(Stream inflating, int limit) : Stream
{
    private long _total;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _total; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        long allowed = limit - _total + 1;
        if (buffer.Length > allowed) buffer = buffer[..(int)allowed];
        int read;
        try
        {
            read = inflating.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"malformed OTLP protobuf request: invalid gzip data: {e.Message}"));
        }
        _total += read;
        if (_total > limit) throw new RequestTooLargeException(limit).ToRpcException();
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing) inflating.Dispose();
        base.Dispose(disposing);
    }
}
