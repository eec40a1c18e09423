namespace CpstExporter.Tests.Support;

/// <summary>A <see cref="Random"/> whose every draw is the same fraction, so that jittered waits are known in advance.</summary>
internal sealed class FixedRandom(double value) : Random
{
    public override double NextDouble() => value;

    protected override double Sample() => value;
}
