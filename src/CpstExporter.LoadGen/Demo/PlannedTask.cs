namespace CpstExporter.LoadGen.Demo;

/// <summary>A task and when to send it, in seconds from the start of the run.</summary>
internal readonly record struct PlannedTask(double AtSeconds, TaskShape Task);
