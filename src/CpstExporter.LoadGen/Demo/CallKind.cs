namespace CpstExporter.LoadGen.Demo;

internal enum CallKind
{
    Llm,
    Tool,
}
