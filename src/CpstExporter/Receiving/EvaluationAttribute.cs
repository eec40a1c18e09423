namespace CpstExporter.Receiving;

/// <summary>The attributes of a <c>gen_ai.evaluation.result</c> event the readers keep (<see cref="EvaluationEvent"/>).</summary>
internal enum EvaluationAttribute
{
    None,
    /// <summary><c>event.name</c>: on a log record without the <c>event_name</c> field, what makes it an evaluation event.</summary>
    EventName,
    Name,
    Label,
    Score,
}
