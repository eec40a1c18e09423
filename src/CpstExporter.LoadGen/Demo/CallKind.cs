namespace CpstExporter.LoadGen.Demo;

/// <summary>The two kinds of step the exporter prices: a call to a model, a call to a tool.</summary>
internal enum CallKind
{
    Llm,
    Tool,
}
