namespace CpstExporter.Tests.Support;

/// <summary>
/// One result a fake cost API serves: what <paramref name="Account"/> (a project or workspace; null for none) was charged
/// on <paramref name="Day"/>. <paramref name="Amount"/> is the JSON token as sent: <c>0.06</c> for OpenAI's number,
/// <c>"123.45"</c> for Anthropic's string, or anything else a test wants to try.
/// </summary>
internal sealed record CostLine(DateOnly Day, string? Account, string Amount, string? Currency = null);
