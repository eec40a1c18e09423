using CpstExporter.Receiving.Otlp;

namespace CpstExporter.Tests.Support;

/// <summary>Spans with a given end time, provider and explicit cost, for the billing tests: the ledger files a call under the UTC day its span ended.</summary>
internal static class BillingSpans
{
    /// <summary>An LLM call of <paramref name="provider"/> costing <paramref name="usd"/> (<c>cpst.cost_usd</c>) whose span ends at <paramref name="end"/>.</summary>
    public static Span Llm(int trace, int span, string provider, double usd, DateTimeOffset end) =>
        Ending(Spans.Llm(trace, span, "gpt-4o", 100, 10, Spans.Attr("gen_ai.provider.name", provider), Spans.Attr("cpst.cost_usd", usd)), end);

    /// <summary>A tool call costing <paramref name="usd"/> whose span ends at <paramref name="end"/>.</summary>
    public static Span Tool(int trace, int span, double usd, DateTimeOffset end)
    {
        Span tool = Spans.Tool(trace, span, "search");
        tool.Attributes.Add(Spans.Attr("cpst.cost_usd", usd));
        return Ending(tool, end);
    }

    /// <summary>A root naming the use case, with a success, ending at <paramref name="end"/>.</summary>
    public static Span Root(int trace, string useCase, DateTimeOffset end) =>
        Ending(Spans.Root(trace, Spans.Attr("cpst.use_case", useCase), Spans.Attr("outcome", "success")), end);

    public static Span Ending(Span span, DateTimeOffset end)
    {
        ulong nanos = (ulong)(end - DateTimeOffset.UnixEpoch).Ticks * 100;
        span.EndTimeUnixNano = nanos;
        span.StartTimeUnixNano = nanos - 1_000_000_000;
        return span;
    }
}
