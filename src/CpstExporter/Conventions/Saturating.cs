namespace CpstExporter.Conventions;

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
        try
        {
            return a + b;
        }
        catch (OverflowException)
        {
            return a < 0 ? decimal.MinValue : decimal.MaxValue;
        }
    }
}
