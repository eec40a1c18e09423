using System.Buffers.Binary;

namespace CpstExporter.LoadGen.Bench;

/// <summary>
/// An encoded <c>ExportTraceServiceRequest</c>, gRPC-framed, with the offsets of every trace id in it. Each send
/// writes fresh trace ids at those offsets, so the exporter sees new tasks every time, as in production, while the
/// harness spends nothing on encoding.
/// </summary>
internal sealed class PayloadTemplate
{
    public const int FramePrefix = 5;

    private readonly int[][] _traceIdOffsets;

    public PayloadTemplate(byte[] message, int[][] traceIdOffsets, int spans)
    {
        Message = message;
        _traceIdOffsets = traceIdOffsets;
        Spans = spans;
    }

    /// <summary>The protobuf message as built, with placeholder trace ids.</summary>
    public byte[] Message { get; }
    public int Spans { get; }
    public int Tasks => _traceIdOffsets.Length;

    /// <summary>A private gRPC frame of the message (prefix + message) for one connection to stamp and send.</summary>
    public byte[] NewFrame()
    {
        byte[] frame = new byte[FramePrefix + Message.Length];
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), (uint)Message.Length);
        Message.CopyTo(frame, FramePrefix);
        return frame;
    }

    /// <summary>Gives every task in <paramref name="frame"/> a new trace id: <paramref name="high"/> and the next values of <paramref name="sequence"/>.</summary>
    public void Stamp(byte[] frame, ulong high, ref ulong sequence)
    {
        foreach (int[] offsets in _traceIdOffsets)
        {
            ulong low = ++sequence;
            foreach (int offset in offsets)
            {
                Span<byte> id = frame.AsSpan(FramePrefix + offset, 16);
                BinaryPrimitives.WriteUInt64BigEndian(id, high);
                BinaryPrimitives.WriteUInt64BigEndian(id[8..], low);
            }
        }
    }

    /// <summary>Finds where each task's placeholder trace id was written in the encoded message.</summary>
    public static int[][] FindOffsets(byte[] message, IReadOnlyList<byte[]> placeholders)
    {
        var result = new int[placeholders.Count][];
        for (int t = 0; t < placeholders.Count; t++)
        {
            var offsets = new List<int>();
            int from = 0;
            while (true)
            {
                int found = message.AsSpan(from).IndexOf(placeholders[t]);
                if (found < 0) break;
                offsets.Add(from + found);
                from += found + placeholders[t].Length;
            }
            if (offsets.Count == 0) throw new InvalidOperationException("a placeholder trace id was not found in the encoded request");
            result[t] = offsets.ToArray();
        }
        return result;
    }
}
