using System.Text;
using CpstExporter.Primitives;

namespace CpstExporter.Conventions;

/// <summary>
/// Maps outcome attribute values to <see cref="Outcome"/>: <c>success</c>, <c>succeeded</c>, <c>ok</c>,
/// <c>pass</c>, <c>passed</c>, <c>true</c>, <c>resolved</c> in any case are success; any other non-empty value is failure.
/// </summary>
internal static class OutcomeSpelling
{
    private static readonly byte[][] SuccessWords =
        ["success"u8.ToArray(), "succeeded"u8.ToArray(), "ok"u8.ToArray(), "pass"u8.ToArray(),
         "passed"u8.ToArray(), "true"u8.ToArray(), "resolved"u8.ToArray()];

    public static Outcome FromUtf8(ReadOnlySpan<byte> value)
    {
        value = value.Trim(" \t"u8);
        if (value.IsEmpty) return Outcome.Unknown;
        foreach (byte[] word in SuccessWords)
            if (Ascii.EqualsIgnoreCase(value, word)) return Outcome.Success;
        return Outcome.Failure;
    }

    public static Outcome FromString(string? value) =>
        string.IsNullOrWhiteSpace(value) ? Outcome.Unknown : FromUtf8(Encoding.UTF8.GetBytes(value));
}
