using System.Net.Http.Headers;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Token counts no real call has refuse their span; a cost attribute no real call has is ignored, not the span
/// (docs/conventions.md): the client hears both in <c>partial_success</c>, the ignored attribute is counted in
/// <c>cpst_ignored_attributes_total{reason="implausible_cost"}</c>, the rest of the request counts to the last digit,
/// and nothing overflows.
/// </summary>
public sealed class ImplausibleUsageTests
{
    private static readonly HttpClient Client = new();

    private const string CostMessage =
        "cost attribute above 10000, or negative or not finite: ignored, the span counts and its cost falls back to the price table (Cpst:Limits:MaxCostUsdPerSpan)";

    private static byte[] Request() => Spans.Request("coder",
        Spans.Llm(7, 2, "gpt-4o", 1000, 200),
        Spans.Child(7, 3, Spans.Attr("cpst.cost_usd", "79228162514264337593543950335")), // decimal's maximum: ignored, the span stays
        Spans.Root(7, Spans.Attr("outcome", "success")),
        Spans.Llm(8, 2, "gpt-4o", long.MaxValue, 1),                                      // int64 tokens: the span is refused
        Spans.Root(8, Spans.Attr("outcome", "success"), Spans.Attr("total_cost", "1e20"))).ToByteArray();

    private static async Task<ExportTraceServiceResponse> ExportAsync(ExporterUnderTest exporter, string protocol, byte[] request)
    {
        if (protocol == "grpc")
        {
            using HttpResponseMessage answer = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, request);
            Assert.Equal(0, GrpcCall.Status(answer));
            return ExportTraceServiceResponse.Parser.ParseFrom((await answer.Content.ReadAsByteArrayAsync()).AsSpan(5).ToArray());
        }
        using var content = new ByteArrayContent(request);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http_protobuf")]
    public async Task Export_ImplausibleTokensRefuseTheSpan_ImplausibleCostsAreIgnoredAndTheRestCountsExactly(string protocol)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        ExportTraceServiceResponse answer = await ExportAsync(exporter, protocol, Request());

        Assert.Equal(1, answer.PartialSuccess.RejectedSpans); // only the int64 tokens
        Assert.Contains("Cpst:Limits:MaxTokensPerSpan", answer.PartialSuccess.ErrorMessage);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_rejected_spans_total{reason=\"implausible_usage\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, "cpst_ignored_attributes_total{reason=\"implausible_cost\"}")); // the huge cost, the 1e20 task cost
        Assert.Equal(4m, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{protocol}\"}}"));
        // Task 7 keeps all three spans; the ignored cost falls back to nothing, so the task costs its LLM call:
        // 1000 × $2.50/1M + 200 × $10/1M. Task 8 keeps its root, whose ignored task cost falls back to the sum of its spans: 0.
        Assert.Equal(0.0045m, MetricsText.Required(metrics,
            "cpst_task_cost_usd_total{use_case=\"coder\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
        Assert.Equal(0.0045m, MetricsText.Sum(metrics, "cpst_task_cost_usd_total"));
        Assert.Equal(2m, MetricsText.Sum(metrics, "cpst_tasks_total"));
        Assert.Equal(1m, MetricsText.Sum(metrics, "cpst_llm_calls_total"));
        Assert.Equal(1000m, MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"input\"}"));
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http_protobuf")]
    public async Task Export_OnlyAnImplausibleCost_NoSpanRefusedAndTheWarningNamesTheCost(string protocol)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        byte[] request = Spans.Request("coder",
            Spans.Llm(9, 2, "gpt-4o", 1000, 200, Spans.Attr("cpst.cost_usd", -0.5)),
            Spans.Root(9, Spans.Attr("outcome", "success"))).ToByteArray();

        ExportTraceServiceResponse answer = await ExportAsync(exporter, protocol, request);

        Assert.Equal(0, answer.PartialSuccess.RejectedSpans);
        Assert.Equal(CostMessage, answer.PartialSuccess.ErrorMessage);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(1m, MetricsText.Required(metrics, "cpst_ignored_attributes_total{reason=\"implausible_cost\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{protocol}\"}}"));
        // The negative cpst.cost_usd is ignored: the price table prices the call, 1000 × $2.50/1M + 200 × $10/1M.
        Assert.Equal(0.0045m, MetricsText.Required(metrics,
            "cpst_task_cost_usd_total{use_case=\"coder\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
    }

    [Fact]
    public async Task Export_HostileNumbersRequestAfterRequest_ServiceStaysUpAndCountsTheRestExactly()
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        // Two task costs that would overflow decimal when added; a double cost far past any call; cache reads
        // above the input (Anthropic's raw input): 100 + 1000 cached = 1100 input tokens, priced and counted alike.
        byte[] hostile = Spans.Request("coder",
            Spans.Root(1, Spans.Attr("outcome", "success"), Spans.Attr("total_cost", "50000000000000000000000000000")),
            Spans.Root(2, Spans.Attr("outcome", "success"), Spans.Attr("total_cost", "50000000000000000000000000000")),
            Spans.Child(3, 2, Spans.Attr("cpst.cost_usd", 1e15)),
            Spans.Llm(3, 3, "gpt-4o", 100, 10, Spans.Attr("gen_ai.usage.cache_read.input_tokens", 1000L)),
            Spans.Root(3, Spans.Attr("outcome", "success"))).ToByteArray();

        for (int round = 0; round < 3; round++)
        {
            using var content = new ByteArrayContent(hostile);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
            using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            ExportTracePartialSuccess partial = ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess;
            Assert.Equal((0L, CostMessage), (partial.RejectedSpans, partial.ErrorMessage));
            exporter.Settle();
        }

        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(0m, MetricsText.Value(metrics, "cpst_rejected_spans_total{reason=\"implausible_usage\"}") ?? 0m);
        Assert.Equal(9m, MetricsText.Required(metrics, "cpst_ignored_attributes_total{reason=\"implausible_cost\"}")); // three a round
        Assert.Equal(3m, MetricsText.Sum(metrics, "cpst_tasks_total")); // tasks 1, 2 and 3; later rounds are duplicates of their spans
        Assert.Equal(10m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
        Assert.Equal(1100m, MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"input\"}"));
        Assert.Equal(1000m, MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"cache_read\"}"));
        // 100 × $2.50/1M + 1000 × $1.25/1M (gpt-4o's cached price) + 10 × $10/1M; the ignored task costs add nothing.
        Assert.Equal(0.0016m, MetricsText.Required(metrics, "cpst_llm_cost_usd_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\"}"));
        Assert.Equal(0.0016m, MetricsText.Sum(metrics, "cpst_task_cost_usd_total"));
        using HttpResponseMessage ready = await Client.GetAsync(new Uri(exporter.MetricsAddress, "/readyz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }
}
