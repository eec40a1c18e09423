using System.Text;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests.Support;

/// <summary>
/// The test methods of C# source files, read as text: each <c>[Fact]</c> or <c>[Theory]</c> (or an attribute whose name
/// ends in one, such as <c>[RequiresBinaryFact]</c>) with its name and body. The bodies are code only: comments are
/// removed and string and character literals emptied, so that a brace or an <c>Assert.</c> inside one counts for nothing.
/// </summary>
internal static partial class TestSources
{
    public sealed record TestMethod(string File, string Name, string Body);

    /// <summary>Every test method in the .cs files under <paramref name="folder"/>.</summary>
    public static IEnumerable<TestMethod> In(string folder) =>
        Files(folder).SelectMany(file => Methods(Path.GetRelativePath(folder, file), File.ReadAllText(file)));

    /// <summary>The .cs files under <paramref name="folder"/>, build output left out.</summary>
    public static IEnumerable<string> Files(string folder) =>
        Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Where(file => Path.GetRelativePath(folder, file).Split(Path.DirectorySeparatorChar)[0] is not ("bin" or "obj"))
            .Order(StringComparer.Ordinal);

    /// <summary>The test methods of one source file.</summary>
    public static IEnumerable<TestMethod> Methods(string file, string source)
    {
        string code = CodeOnly(source);
        foreach (Match attribute in TestAttribute().Matches(code))
        {
            // Past this attribute list and any that follow it, to the method.
            int at = Skip(code, code.IndexOf('[', attribute.Index), '[', ']');
            while (NextNonSpace(code, at) is int next && code[next] == '[') at = Skip(code, next, '[', ']');

            Match name = MethodName().Match(code, at);
            if (!name.Success) throw new FormatException($"{file}: no method after the test attribute at {attribute.Index}");
            int afterParameters = Skip(code, name.Index + name.Length - 1, '(', ')');
            int bodyStart = NextNonSpace(code, afterParameters) ?? code.Length;
            int bodyEnd = code[bodyStart] == '{' ? Skip(code, bodyStart, '{', '}') : StatementEnd(code, bodyStart);
            yield return new TestMethod(file, name.Groups["name"].Value, code[bodyStart..bodyEnd]);
        }
    }

    /// <summary>The body of the method named <paramref name="name"/> declared in <paramref name="source"/>, or null.</summary>
    public static string? BodyOf(string source, string name)
    {
        string code = CodeOnly(source);
        foreach (Match call in new Regex($@"(?<![.\w])(?<!new\s+){Regex.Escape(name)}\s*(<[^>()]*>)?\s*\(").Matches(code))
        {
            int afterParameters = Skip(code, call.Index + call.Length - 1, '(', ')');
            if (NextNonSpace(code, afterParameters) is not int bodyStart) continue;
            if (code[bodyStart] == '{') return code[bodyStart..Skip(code, bodyStart, '{', '}')];
            if (code.AsSpan(bodyStart).StartsWith("=>")) return code[bodyStart..StatementEnd(code, bodyStart)];
        }
        return null;
    }

    /// <summary>The source with comments removed and every string and character literal emptied.</summary>
    public static string CodeOnly(string source)
    {
        var code = new StringBuilder(source.Length);
        int i = 0;
        while (i < source.Length)
        {
            int end = LiteralOrCommentEnd(source, i);
            if (end == i)
            {
                code.Append(source[i++]);
                continue;
            }
            code.Append(source[i] == '/' ? " " : source[i] == '\'' ? "' '" : "\"\"");
            i = end;
        }
        return code.ToString();
    }

    /// <summary>Where the comment or literal that starts at <paramref name="i"/> ends; <paramref name="i"/> if none starts there.</summary>
    private static int LiteralOrCommentEnd(string s, int i)
    {
        if (s.AsSpan(i).StartsWith("//")) return s.IndexOf('\n', i) is int eol and >= 0 ? eol : s.Length;
        if (s.AsSpan(i).StartsWith("/*")) return s.IndexOf("*/", i + 2, StringComparison.Ordinal) is int close and >= 0 ? close + 2 : s.Length;
        // A character literal: one character, or an escape sequence up to the closing quote.
        if (s[i] == '\'') return s[i + 1] == '\\' ? s.IndexOf('\'', i + 3) + 1 : i + 3;

        int j = i, dollars = 0;
        bool verbatim = false;
        for (; j < s.Length && s[j] is '$' or '@'; j++)
        {
            if (s[j] == '$') dollars++;
            else verbatim = true;
        }
        if (j == s.Length || s[j] != '"') return i; // a verbatim identifier (@class), not a string

        int quotes = 0;
        while (j + quotes < s.Length && s[j + quotes] == '"') quotes++;
        if (!verbatim && quotes >= 3)
        {
            // A raw string ends at as many quotes as it began with; its interpolations hold no such run.
            string delimiter = new('"', quotes);
            int close = s.IndexOf(delimiter, j + quotes, StringComparison.Ordinal);
            return close < 0 ? s.Length : close + quotes;
        }
        if (!verbatim && quotes == 2) return j + 2;

        for (j++; j < s.Length; j++)
        {
            char c = s[j];
            if (verbatim && c == '"' && j + 1 < s.Length && s[j + 1] == '"') j++;
            else if (c == '"') return j + 1;
            else if (!verbatim && c == '\\') j++;
            else if (dollars > 0 && c == '{' && j + 1 < s.Length && s[j + 1] == '{') j++;
            else if (dollars > 0 && c == '{') j = InterpolationEnd(s, j + 1) - 1;
        }
        return s.Length;
    }

    /// <summary>The index after the brace that closes an interpolation whose code starts at <paramref name="i"/>.</summary>
    private static int InterpolationEnd(string s, int i)
    {
        int depth = 0;
        while (i < s.Length)
        {
            int end = LiteralOrCommentEnd(s, i);
            if (end > i)
            {
                i = end;
                continue;
            }
            char c = s[i++];
            if (c is '(' or '[' or '{') depth++;
            else if (c is ')' or ']') depth--;
            else if (c == '}' && depth-- == 0) return i;
        }
        return s.Length;
    }

    /// <summary>The index after the bracket that closes the one at <paramref name="open"/>.</summary>
    private static int Skip(string code, int open, char opening, char closing)
    {
        int depth = 0;
        for (int i = open; i < code.Length; i++)
        {
            if (code[i] == opening) depth++;
            else if (code[i] == closing && --depth == 0) return i + 1;
        }
        throw new FormatException($"no '{closing}' closes the '{opening}' at {open}");
    }

    /// <summary>The index after the semicolon that ends the expression body starting at <paramref name="start"/>.</summary>
    private static int StatementEnd(string code, int start)
    {
        int depth = 0;
        for (int i = start; i < code.Length; i++)
        {
            if (code[i] is '(' or '[' or '{') depth++;
            else if (code[i] is ')' or ']' or '}') depth--;
            else if (code[i] == ';' && depth == 0) return i + 1;
        }
        return code.Length;
    }

    private static int? NextNonSpace(string code, int i)
    {
        while (i < code.Length && char.IsWhiteSpace(code[i])) i++;
        return i < code.Length ? i : null;
    }

    // At the start of a line, so that an indexer such as values[Fact] is no attribute; Fact.X is an enum member.
    [GeneratedRegex(@"^[ \t]*\[\s*(?:Xunit\.)?\w*(?:Fact|Theory)\b(?!\.)", RegexOptions.Multiline)]
    private static partial Regex TestAttribute();

    [GeneratedRegex(@"\G[^(]*?(?<name>\w+)\s*\(")]
    private static partial Regex MethodName();
}
