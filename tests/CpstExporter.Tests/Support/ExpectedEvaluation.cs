namespace CpstExporter.Tests.Support;

/// <summary>An evaluation a task kept, as the task API lists it: its name, <c>pass</c> or <c>fail</c>, its score if it had one.</summary>
internal sealed record ExpectedEvaluation(string Name, string Result, double? Score = null);
