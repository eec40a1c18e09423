namespace CpstExporter.Primitives;

/// <summary>What a span is to the cost model: an LLM call, a tool call, or neither.</summary>
internal enum SpanRole : byte
{
    Other = 0,
    Llm = 1,
    Tool = 2,
}
