using System.Text.RegularExpressions;

namespace CpstExporter.Pricing;

/// <summary>
/// A price entry's model-id pattern. Patterns are the operator's, model ids are not: a pattern runs on .NET's
/// non-backtracking engine, whose time is linear in the id, whenever it can (no backreferences, lookarounds or atomic
/// groups); one that needs the backtracking engine runs with a short timeout, and an id that reaches it is treated as
/// unmatched (the call is unpriced and counted) instead of failing the request. The first timeout of a pattern is
/// reported once, by the price table's owner (<see cref="TakeTimeoutNotice"/>).
/// </summary>
internal sealed class PricePattern
{
    /// <summary>How long a backtracking pattern may take on one model id.</summary>
    internal static readonly TimeSpan BacktrackingTimeout = TimeSpan.FromMilliseconds(20);

    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    private readonly Regex _regex;
    private int _timedOut; // 0 never, 1 timed out and not yet reported, 2 reported

    private PricePattern(string text, Regex regex)
    {
        Text = text;
        _regex = regex;
    }

    public string Text { get; }

    /// <summary>Whether the pattern runs on the linear-time engine.</summary>
    public bool IsLinear => (_regex.Options & RegexOptions.NonBacktracking) != 0;

    /// <exception cref="ArgumentException">The pattern is not a valid regular expression.</exception>
    public static PricePattern Parse(string text)
    {
        Regex regex;
        try
        {
            regex = new Regex(text, Options | RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException)
        {
            regex = new Regex(text, Options, BacktrackingTimeout);
        }
        return new PricePattern(text, regex);
    }

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
