using System.Text;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The smallest HPACK encoder (RFC 7541): every header a literal without indexing and with a literal name, no Huffman
/// coding, so a test can write any header block, valid or not, byte for byte.
/// </summary>
internal static class Hpack
{
    /// <summary>A header block of <paramref name="headers"/>, each a literal header field without indexing (section 6.2.2).</summary>
    public static byte[] Block(params (string Name, string Value)[] headers)
    {
        var block = new List<byte>();
        foreach (var (name, value) in headers)
        {
            block.Add(0x00); // literal without indexing, new name
            String(block, name);
            String(block, value);
        }
        return block.ToArray();
    }

    /// <summary>The request headers of a gRPC export call, the form a gRPC client sends.</summary>
    public static byte[] GrpcExport(string authority) => Block(
        (":method", "POST"), (":scheme", "http"), (":path", GrpcCall.ExportPath), (":authority", authority),
        ("content-type", "application/grpc"), ("te", "trailers"));

    private static void String(List<byte> block, string text)
    {
        byte[] bytes = Encoding.ASCII.GetBytes(text);
        Integer(block, bytes.Length, prefixBits: 7, first: 0x00); // H = 0: no Huffman coding
        block.AddRange(bytes);
    }

    /// <summary>An integer with an N-bit prefix (section 5.1).</summary>
    private static void Integer(List<byte> block, int value, int prefixBits, byte first)
    {
        int max = (1 << prefixBits) - 1;
        if (value < max)
        {
            block.Add((byte)(first | value));
            return;
        }
        block.Add((byte)(first | max));
        for (value -= max; value >= 128; value >>= 7) block.Add((byte)(value % 128 + 128));
        block.Add((byte)value);
    }
}
