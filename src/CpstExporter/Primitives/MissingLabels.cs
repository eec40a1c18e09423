namespace CpstExporter.Primitives;

/// <summary>
/// The label values of facts no span gave, written once (docs/reference.md, "Metrics"): <see cref="Unknown"/> for a
/// task's use case and for the provider, model and tool of a call; <see cref="None"/> for an environment, a variant, or
/// the model of a task without LLM calls.
/// </summary>
internal static class MissingLabels
{
    public const string Unknown = "unknown";
    public const string None = "none";
}
