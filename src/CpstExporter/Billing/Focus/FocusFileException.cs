namespace CpstExporter.Billing.Focus;

/// <summary>
/// A FOCUS file that is refused whole: what is wrong and where (a line, a column), never the file's other content. The
/// file's earlier import, if any, stays.
/// </summary>
internal sealed class FocusFileException(string message) : Exception(message)
{
    /// <summary>At most this many characters of a refused value are quoted in a message.</summary>
    private const int ShownLength = 40;

    /// <summary>A value as a message quotes it: cut short, control characters as U+FFFD, so a log line stays one line.</summary>
    public static string Shown(ReadOnlySpan<char> value)
    {
        ReadOnlySpan<char> cut = value.Length > ShownLength ? value[..ShownLength] : value;
        Span<char> shown = stackalloc char[cut.Length];
        for (int i = 0; i < cut.Length; i++) shown[i] = char.IsControl(cut[i]) ? '\uFFFD' : cut[i];
        return value.Length > ShownLength ? $"{shown}…" : shown.ToString();
    }
}
