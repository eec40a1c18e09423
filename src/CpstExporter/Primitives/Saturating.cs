namespace CpstExporter.Primitives;

/// <summary>Sums of counts and money that stop at the largest value instead of wrapping or throwing.</summary>
internal static class Saturating
{
    public static long Add(long a, long b)
    {
        long sum = unchecked(a + b);
        // Overflow only when both have the same sign and the sum's sign differs.
        if (((a ^ sum) & (b ^ sum)) < 0) return a < 0 ? long.MinValue : long.MaxValue;
        return sum;
    }

    public static int Add(int a, int b) => (int)Math.Clamp((long)a + b, int.MinValue, int.MaxValue);

    public static decimal Add(decimal a, decimal b)
    {
        // A sum pinned at a bound stays there without an exception per update: a series someone drove to the maximum
        // costs no more to update than any other. The bounds have scale 0, and sums of money carry decimals, so the
        // scale, one byte, rules the comparison out for almost every update.
        if (a.Scale == 0 && (decimal.IsNegative(b) ? a == decimal.MinValue : a == decimal.MaxValue)) return a;
        try
        {
            return a + b;
        }
        catch (OverflowException)
        {
            return a < 0 ? decimal.MinValue : decimal.MaxValue;
        }
    }

    public static decimal Multiply(decimal a, decimal b)
    {
        try
        {
            return a * b;
        }
        catch (OverflowException)
        {
            return (a < 0) != (b < 0) ? decimal.MinValue : decimal.MaxValue;
        }
    }

    /// <summary>
    /// Adds <paramref name="value"/> to a counter other threads update too, as <see cref="Interlocked.Add(ref long, long)"/>
    /// does, but stopping at <see cref="long.MaxValue"/> (or <see cref="long.MinValue"/>) instead of wrapping.
    /// </summary>
    public static long AddInterlocked(ref long location, long value)
    {
        long current = Volatile.Read(ref location);
        while (true)
        {
            long sum = Add(current, value);
            long seen = Interlocked.CompareExchange(ref location, sum, current);
            if (seen == current) return sum;
            current = seen;
        }
    }
}
