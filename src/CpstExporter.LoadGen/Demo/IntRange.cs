namespace CpstExporter.LoadGen.Demo;

/// <summary>An inclusive range of whole numbers, drawn uniformly.</summary>
internal readonly record struct IntRange(int Min, int Max)
{
    public int Draw(Random random) => random.Next(Min, Max + 1);

    public double Mean => (Min + Max) / 2.0;
}
