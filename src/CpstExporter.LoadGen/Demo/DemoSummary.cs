namespace CpstExporter.LoadGen.Demo;

/// <summary>What a demo run sent.</summary>
internal sealed record DemoSummary(int Tasks, int Spans, int ChangedTasks, int OutcomesPosted, int OutcomesFailed);
