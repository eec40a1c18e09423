namespace CpstExporter.Billing.Focus;

/// <summary>
/// A pattern of FOCUS <c>ServiceName</c>s (<c>Cpst:Billing:Focus:Services:&lt;n&gt;</c>): a glob over the whole name, case
/// insensitive, where <c>*</c> stands for any run of characters (none too) and <c>?</c> for one. A glob rather than the
/// price table's regular expressions: service names are plain product names (<c>Amazon SageMaker*</c>), and a glob is
/// matched in time bounded by the name's and pattern's lengths, with nothing to escape.
/// </summary>
internal sealed class ServiceNamePattern
{
    private readonly string _pattern;

    private ServiceNamePattern(string pattern) => _pattern = pattern;

    public string Text => _pattern;

    public static ServiceNamePattern Parse(string pattern) => new(pattern);

    public bool IsMatch(ReadOnlySpan<char> name)
    {
        ReadOnlySpan<char> pattern = _pattern;
        int p = 0, n = 0;
        int star = -1, starName = 0; // the last '*' seen, and where in the name it was tried up to
        while (n < name.Length)
        {
            if (p < pattern.Length && pattern[p] == '*')
            {
                star = p++;
                starName = n;
            }
            else if (p < pattern.Length && (pattern[p] == '?' || char.ToUpperInvariant(pattern[p]) == char.ToUpperInvariant(name[n])))
            {
                p++;
                n++;
            }
            else if (star >= 0)
            {
                // Let the last '*' take one more character and try the rest again: one '*' back is enough for a glob.
                p = star + 1;
                n = ++starName;
            }
            else
            {
                return false;
            }
        }
        while (p < pattern.Length && pattern[p] == '*') p++;
        return p == pattern.Length;
    }

    public override string ToString() => _pattern;
}
