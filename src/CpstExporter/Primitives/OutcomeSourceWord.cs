namespace CpstExporter.Primitives;

/// <summary>
/// The <c>source</c> an outcome API entry may name (<c>human</c>, <c>system</c>, …): 1 to 32 characters of lower-case
/// ASCII letters, digits, <c>_</c> and <c>-</c>, read in any case and kept lower-case (docs/operations.md, "Outcome API: source and reason").
/// </summary>
internal static class OutcomeSourceWord
{
    public const int MaxLength = 32;

    /// <summary>The source of an entry that names none.</summary>
    public const string Default = "api";

    public static bool IsValid(ReadOnlySpan<char> word)
    {
        if (word.IsEmpty || word.Length > MaxLength) return false;
        foreach (char c in word)
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-')) return false;
        return true;
    }

    public static bool IsValid(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || utf8.Length > MaxLength) return false;
        foreach (byte b in utf8)
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'_' or (byte)'-')) return false;
        return true;
    }

    private static readonly string[] Common = [Default, "human", "system"];

    /// <summary>The word as a lower-case string: the common ones without allocating. <paramref name="utf8"/> must be valid.</summary>
    public static string ToLower(ReadOnlySpan<byte> utf8)
    {
        foreach (string common in Common)
            if (System.Text.Ascii.EqualsIgnoreCase(utf8, common)) return common;
        Span<char> lower = stackalloc char[MaxLength];
        System.Text.Ascii.ToLower(utf8, lower, out int written);
        return new string(lower[..written]);
    }
}
