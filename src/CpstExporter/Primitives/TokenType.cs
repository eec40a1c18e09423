namespace CpstExporter.Primitives;

/// <summary>The counts of <see cref="TokenUsage"/>, in its order: the <c>token_type</c> label of the token families.</summary>
internal enum TokenType
{
    Input = 0,
    Output = 1,
    CacheRead = 2,
    CacheWrite = 3,
    Reasoning = 4,
}
