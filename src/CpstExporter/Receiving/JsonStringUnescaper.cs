using System.Globalization;
using System.Text;

namespace CpstExporter.Receiving;

/// <summary>
/// Unescapes the body of a JSON string whose <c>\u</c> escapes do not all form characters: a lone surrogate
/// (<c>"\ud800"</c>, a high surrogate not followed by a low one, a low one alone) is valid JSON grammar that has no
/// UTF-8 form, and System.Text.Json refuses to unescape it. Here each becomes U+FFFD, as an invalid UTF-8 sequence in a
/// protobuf string does (<see cref="Conventions.LabelValueCache.Decode"/>), so one bad character in an attribute costs
/// that character, not the whole request (docs/operations.md, "Hostile input and faults").
/// </summary>
internal static class JsonStringUnescaper
{
    private static readonly byte[] Replacement = "\uFFFD"u8.ToArray();

    /// <summary>
    /// Writes the unescaped UTF-8 of <paramref name="escaped"/> (the bytes between the quotes, whose escapes a
    /// <see cref="System.Text.Json.Utf8JsonReader"/> already checked) to <paramref name="destination"/>, which needs at
    /// most as many bytes as <paramref name="escaped"/> has; returns the bytes written.
    /// </summary>
    public static int Unescape(ReadOnlySpan<byte> escaped, Span<byte> destination)
    {
        int written = 0;
        for (int i = 0; i < escaped.Length;)
        {
            byte b = escaped[i];
            if (b != '\\' || i + 1 >= escaped.Length)
            {
                destination[written++] = b;
                i++;
                continue;
            }
            byte kind = escaped[i + 1];
            if (kind != 'u')
            {
                destination[written++] = kind switch
                {
                    (byte)'b' => (byte)'\b',
                    (byte)'f' => (byte)'\f',
                    (byte)'n' => (byte)'\n',
                    (byte)'r' => (byte)'\r',
                    (byte)'t' => (byte)'\t',
                    _ => kind, // \" \\ \/
                };
                i += 2;
                continue;
            }
            if (!TryHex(escaped, i + 2, out int unit))
            {
                // Not an escape the reader would have passed; kept as it stands rather than guessed at.
                destination[written++] = b;
                i++;
                continue;
            }
            i += 6;
            Rune character;
            if (char.IsHighSurrogate((char)unit) && i + 1 < escaped.Length && escaped[i] == '\\' && escaped[i + 1] == 'u'
                && TryHex(escaped, i + 2, out int low) && char.IsLowSurrogate((char)low))
            {
                character = new Rune((char)unit, (char)low);
                i += 6;
            }
            else if (char.IsSurrogate((char)unit))
            {
                Replacement.CopyTo(destination[written..]);
                written += Replacement.Length;
                continue;
            }
            else character = new Rune(unit);
            written += character.EncodeToUtf8(destination[written..]);
        }
        return written;
    }

    /// <summary>Decodes <paramref name="escaped"/> as <see cref="Unescape"/> does, into a string.</summary>
    public static string ToText(ReadOnlySpan<byte> escaped)
    {
        byte[] buffer = new byte[escaped.Length];
        return Encoding.UTF8.GetString(buffer, 0, Unescape(escaped, buffer));
    }

    private static bool TryHex(ReadOnlySpan<byte> text, int at, out int value)
    {
        value = 0;
        return at + 4 <= text.Length &&
               int.TryParse(text.Slice(at, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
    }
}
