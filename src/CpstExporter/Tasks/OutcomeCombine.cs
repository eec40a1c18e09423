namespace CpstExporter.Tasks;

/// <summary>How a use case's outcome signals make its tasks' outcome (<c>Cpst:UseCases:&lt;name&gt;:Outcome:Combine</c>).</summary>
internal enum OutcomeCombine : byte
{
    /// <summary>The task settles on the first listed signal to arrive; the strongest present when it finishes decides (api, evaluation, span, error).</summary>
    First,
    /// <summary>Success only when every listed signal arrived and passed; any failure decides at once.</summary>
    All,
    /// <summary>The task settles on the first listed signal; the highest listed one present when it finishes decides.</summary>
    Authority,
}
