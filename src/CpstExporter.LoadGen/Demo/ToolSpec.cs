namespace CpstExporter.LoadGen.Demo;

/// <summary>A tool an agent calls, and how many times per task.</summary>
internal sealed record ToolSpec(string Name, IntRange CallsPerTask);
