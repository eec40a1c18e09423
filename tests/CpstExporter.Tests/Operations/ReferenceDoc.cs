using System.Text.RegularExpressions;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// docs/reference.md as the tests read it: the rows of the table under a heading, cell by cell, and the code spans
/// (<c>`…`</c>) of a cell.
/// </summary>
internal static partial class ReferenceDoc
{
    public static string Text { get; } = File.ReadAllText(RepoFiles.Path("docs", "reference.md"));

    /// <summary>
    /// The body rows of the first table after the line <paramref name="heading"/>, each split into its cells (without the
    /// outer pipes, trimmed). Throws when the heading or its table is missing, or a row has another number of cells than
    /// the header, so a stray <c>|</c> in a cell cannot shift a column unnoticed.
    /// </summary>
    public static List<string[]> TableUnder(string heading)
    {
        string[] lines = Text.Split('\n');
        int at = Array.FindIndex(lines, l => l.TrimEnd() == heading);
        if (at < 0) throw new InvalidOperationException($"docs/reference.md has no heading '{heading}'");
        string[] table = [.. lines.Skip(at + 1).SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|'))];
        if (table.Length < 3) throw new InvalidOperationException($"docs/reference.md has no table under '{heading}'");
        int columns = Cells(table[0]).Length;
        var rows = new List<string[]>();
        foreach (string line in table.Skip(2))
        {
            string[] cells = Cells(line);
            if (cells.Length != columns)
                throw new InvalidOperationException($"a row under '{heading}' has {cells.Length} cells, the header {columns}: {line}");
            rows.Add(cells);
        }
        return rows;
    }

    /// <summary>The code spans of <paramref name="text"/>, in order.</summary>
    public static string[] CodeSpans(string text) => [.. CodeSpan().Matches(text).Select(m => m.Groups[1].Value)];

    /// <summary><paramref name="text"/> without its parenthesised parts, such as a label's list of values.</summary>
    public static string WithoutParentheses(string text)
    {
        string before;
        do
        {
            before = text;
            text = Parenthesised().Replace(text, "");
        }
        while (text != before);
        return text;
    }

    private static string[] Cells(string line)
    {
        string inner = line.Trim();
        inner = inner.Substring(1, inner.Length - (inner.EndsWith('|') ? 2 : 1));
        return [.. inner.Split('|').Select(c => c.Trim())];
    }

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();

    [GeneratedRegex(@"\([^()]*\)")]
    private static partial Regex Parenthesised();
}
