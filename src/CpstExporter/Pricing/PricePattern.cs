using System.Text.RegularExpressions;

namespace CpstExporter.Pricing;

/// <summary>
/// A price entry's model-id pattern, matched case-insensitively. Patterns are the operator's, model ids are not: a
/// match runs with a timeout, and an id that reaches it is treated as unmatched (the call is unpriced and counted)
/// instead of failing the request, so a hostile id costs at most the timeout per pattern, once: lookups are cached.
/// The first timeout of a pattern is reported once, by the price table's owner (<see cref="TakeTimeoutNotice"/>).
/// </summary>
/// <remarks>
/// Not .NET's non-backtracking engine, whose time is linear in the id: it keeps about 1 MB of automaton per pattern of
/// the shipped table's shape (64 patterns: 60 MB of heap, 150 MB of resident memory at start), where the backtracking
/// interpreter keeps a few KB, and the anchored patterns a price table needs match in microseconds on it
/// (docs/design.md, "Pricing").
/// </remarks>
internal sealed class PricePattern
{
    /// <summary>How long a pattern may take on one model id.</summary>
    internal static readonly TimeSpan MatchTimeout = TimeSpan.FromMilliseconds(20);

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    private readonly Regex _regex;
    private int _timedOut; // 0 never, 1 timed out and not yet reported, 2 reported

    private PricePattern(string text, Regex regex)
    {
        Text = text;
        _regex = regex;
    }

    public string Text { get; }

    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public static PricePattern Parse(string text) => new(text, new Regex(text, Options, MatchTimeout));

    public bool IsMatch(string model)
    {
        try
        {
            return _regex.IsMatch(model);
        }
        catch (RegexMatchTimeoutException)
        {
            Interlocked.CompareExchange(ref _timedOut, 1, 0);
            return false;
        }
    }

    /// <summary>True once, after the pattern first timed out: its owner then logs it.</summary>
    public bool TakeTimeoutNotice() => Interlocked.CompareExchange(ref _timedOut, 2, 1) == 1;
}
