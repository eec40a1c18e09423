namespace CpstExporter.Tests.Support;

/// <summary>
/// The fuzz and soak tests: many requests each, so they run alone rather than compete with the rest of the suite
/// for two cores (their deadlines are generous, but a quiet machine keeps them fast); and tests that measure the
/// process's allocations, which other tests running beside them would blur.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class HeavyTests
{
    public const string Name = "heavy";
}
