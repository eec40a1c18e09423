using System.Net.Http.Headers;
using CpstExporter.Receiving.Otlp;
using Google.Protobuf;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// Spans whose token counts or costs no real call has are refused one by one (DESIGN.md §3): the client hears it in
/// <c>partial_success</c>, the rest of the request counts to the last digit, and nothing overflows.
/// </summary>
public sealed class ImplausibleUsageTests
{
    private static readonly HttpClient Client = new();

    private static byte[] Request() => Spans.Request("coder",
        Spans.Llm(7, 2, "gpt-4o", 1000, 200),
        Spans.Child(7, 3, Spans.Attr("cpst.cost_usd", "79228162514264337593543950335")), // decimal's maximum
        Spans.Root(7, Spans.Attr("outcome", "success")),
        Spans.Llm(8, 2, "gpt-4o", long.MaxValue, 1),
        Spans.Root(8, Spans.Attr("outcome", "success"), Spans.Attr("total_cost", "1e20"))).ToByteArray();

    private static async Task<ExportTraceServiceResponse> ExportAsync(ExporterUnderTest exporter, string protocol)
    {
        if (protocol == "grpc")
        {
            using HttpResponseMessage answer = await GrpcCall.SendAsync(Client, exporter.GrpcAddress, Request());
            Assert.Equal(0, GrpcCall.Status(answer));
            return ExportTraceServiceResponse.Parser.ParseFrom((await answer.Content.ReadAsByteArrayAsync()).AsSpan(5).ToArray());
        }
        using var content = new ByteArrayContent(Request());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-protobuf");
        using HttpResponseMessage response = await Client.PostAsync(new Uri(exporter.HttpAddress, "/v1/traces"), content);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        return ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("grpc")]
    [InlineData("http_protobuf")]
    public async Task Export_ImplausibleSpans_AreRefusedAndTheRestCountsExactly(string protocol)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();

        ExportTraceServiceResponse answer = await ExportAsync(exporter, protocol);

        Assert.Equal(3, answer.PartialSuccess.RejectedSpans); // the huge cost, the int64 tokens, the 1e20 task cost
        Assert.Contains("Cpst:Limits:MaxTokensPerSpan", answer.PartialSuccess.ErrorMessage);
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(3m, MetricsText.Required(metrics, "cpst_rejected_spans_total{reason=\"implausible_usage\"}"));
        Assert.Equal(2m, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{protocol}\"}}"));
        // Task 7 keeps its LLM call and its root: 1000 × $2.50/1M + 200 × $10/1M. Task 8 lost every span it had.
        Assert.Equal(0.0045m, MetricsText.Required(metrics,
            "cpst_task_cost_usd_total{use_case=\"coder\",outcome=\"success\",model=\"gpt-4o\",environment=\"none\",variant=\"none\"}"));
        Assert.Equal(1m, MetricsText.Sum(metrics, "cpst_tasks_total"));
        Assert.Equal(1m, MetricsText.Sum(metrics, "cpst_llm_calls_total"));
        Assert.Equal(1000m, MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"input\"}"));
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
            Assert.Equal(3, ExportTraceServiceResponse.Parser.ParseFrom(await response.Content.ReadAsByteArrayAsync()).PartialSuccess.RejectedSpans);
            exporter.Settle();
        }

        string metrics = await exporter.ScrapeAsync();
        Assert.Equal(9m, MetricsText.Required(metrics, "cpst_rejected_spans_total{reason=\"implausible_usage\"}"));
        Assert.Equal(1m, MetricsText.Sum(metrics, "cpst_tasks_total")); // task 3; later rounds are duplicates of its spans
        Assert.Equal(4m, MetricsText.Required(metrics, "cpst_duplicate_spans_total"));
        Assert.Equal(1100m, MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"input\"}"));
        Assert.Equal(1000m, MetricsText.Required(metrics, "cpst_llm_tokens_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\",token_type=\"cache_read\"}"));
        // 100 × $2.50/1M + 1000 × $1.25/1M (gpt-4o's cached price) + 10 × $10/1M.
        Assert.Equal(0.0016m, MetricsText.Required(metrics, "cpst_llm_cost_usd_total{use_case=\"coder\",provider=\"unknown\",model=\"gpt-4o\"}"));
        using HttpResponseMessage ready = await Client.GetAsync(new Uri(exporter.MetricsAddress, "/readyz"));
        Assert.Equal(System.Net.HttpStatusCode.OK, ready.StatusCode);
    }
}
