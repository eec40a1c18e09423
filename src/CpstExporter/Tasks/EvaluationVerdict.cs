namespace CpstExporter.Tasks;

/// <summary>
/// An evaluation kept on its task: its name, whether its label is a success spelling, and its score. Whether it passed
/// is judged when the task is decided (<see cref="OutcomePolicy.Passes"/>), under the use case's threshold then.
/// </summary>
internal readonly record struct EvaluationVerdict(string Name, bool LabelPasses, double? Score);
