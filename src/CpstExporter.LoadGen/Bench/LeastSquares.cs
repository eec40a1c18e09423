namespace CpstExporter.LoadGen.Bench;

/// <summary>The slope of a straight line fitted through points: growth per unit, robust to a constant offset.</summary>
internal static class LeastSquares
{
    public static double Slope(IReadOnlyList<(double X, double Y)> points)
    {
        double meanX = points.Average(p => p.X), meanY = points.Average(p => p.Y);
        double covariance = points.Sum(p => (p.X - meanX) * (p.Y - meanY));
        double variance = points.Sum(p => (p.X - meanX) * (p.X - meanX));
        return variance == 0 ? double.NaN : covariance / variance;
    }
}
