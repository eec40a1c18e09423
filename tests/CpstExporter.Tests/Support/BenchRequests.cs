extern alias LoadGen;
using LoadGen::CpstExporter.LoadGen.Bench;

namespace CpstExporter.Tests.Support;

/// <summary>Large OTLP protobuf requests of real spans: the bench's requests of 510 spans, each with new trace ids.</summary>
internal static class BenchRequests
{
    public const int SpansEach = 510;

    /// <summary><paramref name="count"/> bench requests as one request: a protobuf message concatenated with another is
    /// their merge.</summary>
    public static byte[] Concatenated(int count)
    {
        PayloadTemplate template = new BenchPayloads(seed: 4317).Throughput(512);
        ulong sequence = 0;
        using var body = new MemoryStream();
        for (int i = 0; i < count; i++)
        {
            byte[] frame = template.NewFrame();
            template.Stamp(frame, high: 0x0123_4567_89AB_CDEF, ref sequence);
            body.Write(frame, PayloadTemplate.FramePrefix, frame.Length - PayloadTemplate.FramePrefix);
        }
        return body.ToArray();
    }
}
