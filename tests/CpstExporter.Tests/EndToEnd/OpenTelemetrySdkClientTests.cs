using System.Diagnostics;
using OpenTelemetry.Exporter;

namespace CpstExporter.Tests.EndToEnd;

/// <summary>
/// The OpenTelemetry .NET SDK's own OTLP exporter, as agents use it, sends two tasks to the real service on
/// loopback; the counters must equal what the shipped price table implies, to the last digit.
/// </summary>
public sealed class OpenTelemetrySdkClientTests
{
    // gpt-4o: $2.50 in / $10 out per 1M; gpt-4o-mini: $0.15 / $0.60; web_search: $0.01 a call (pricing.yaml).
    private const decimal SuccessTaskCost = 1000 * 2.50m / 1_000_000 + 200 * 10m / 1_000_000 + 0.01m; // 0.0145
    private const decimal FailedTaskCost = 2000 * 0.15m / 1_000_000 + 500 * 0.60m / 1_000_000;        // 0.0006

    [Theory]
    [InlineData(OtlpExportProtocol.Grpc, "grpc")]
    [InlineData(OtlpExportProtocol.HttpProtobuf, "http_protobuf")]
    public async Task Export_TwoAgentTasks_CountsExactTasksAndCosts(OtlpExportProtocol protocol, string protocolLabel)
    {
        await using var exporter = await ExporterUnderTest.StartAsync();
        using (SdkAgent agent = SdkAgent.Start(exporter, protocol, "support-bot", resource: [new("deployment.environment.name", "prod")]))
        {
            using (Activity root = agent.StartActivity("invoke_agent support"))
            {
                using (Activity llm = agent.StartActivity("chat gpt-4o", ActivityKind.Client))
                {
                    llm.SetTag("gen_ai.operation.name", "chat");
                    llm.SetTag("gen_ai.provider.name", "openai");
                    llm.SetTag("gen_ai.request.model", "gpt-4o");
                    llm.SetTag("gen_ai.response.model", "gpt-4o-2024-08-06");
                    llm.SetTag("gen_ai.usage.input_tokens", 1000);
                    llm.SetTag("gen_ai.usage.output_tokens", 200);
                }
                using (Activity tool = agent.StartActivity("execute_tool web_search"))
                {
                    tool.SetTag("gen_ai.operation.name", "execute_tool");
                    tool.SetTag("gen_ai.tool.name", "web_search");
                }
                root.SetTag("outcome", "success");
            }
            using (Activity root = agent.StartActivity("invoke_agent support"))
            {
                using (Activity llm = agent.StartActivity("chat gpt-4o-mini", ActivityKind.Client))
                {
                    llm.SetTag("gen_ai.operation.name", "chat");
                    llm.SetTag("gen_ai.provider.name", "openai");
                    llm.SetTag("gen_ai.request.model", "gpt-4o-mini");
                    llm.SetTag("gen_ai.usage.input_tokens", 2000L);
                    llm.SetTag("gen_ai.usage.output_tokens", 500L);
                }
                root.SetStatus(ActivityStatusCode.Error, "gave up");
            }
            Assert.True(agent.Flush(), "the SDK could not flush its spans to the exporter");
        }

        Assert.Equal(2, exporter.Tasks.PendingCount); // both tasks wait for the settle time
        exporter.Settle();
        string metrics = await exporter.ScrapeAsync();

        const string success = "use_case=\"support-bot\",outcome=\"success\",model=\"gpt-4o-2024-08-06\",environment=\"prod\",variant=\"none\"";
        const string failure = "use_case=\"support-bot\",outcome=\"failure\",model=\"gpt-4o-mini\",environment=\"prod\",variant=\"none\"";
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{{success}}}"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_tasks_total{{{failure}}}"));
        Assert.Equal(SuccessTaskCost, MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{success}}}"));
        Assert.Equal(FailedTaskCost, MetricsText.Required(metrics, $"cpst_task_cost_usd_total{{{failure}}}"));
        Assert.Equal(1m, MetricsText.Required(metrics, $"cpst_task_tool_calls_total{{{success}}}"));
        Assert.Equal(1000m, MetricsText.Required(metrics, $"cpst_task_tokens_total{{{success},token_type=\"input\"}}"));
        Assert.Equal(500m, MetricsText.Required(metrics, $"cpst_task_tokens_total{{{failure},token_type=\"output\"}}"));
        Assert.Equal(5m, MetricsText.Required(metrics, $"cpst_received_spans_total{{protocol=\"{protocolLabel}\"}}"));
        Assert.Equal(0.0045m, MetricsText.Required(metrics, "cpst_llm_cost_usd_total{use_case=\"support-bot\",provider=\"openai\",model=\"gpt-4o-2024-08-06\"}"));
        Assert.Equal(0.01m, MetricsText.Required(metrics, "cpst_tool_cost_usd_total{use_case=\"support-bot\",tool=\"web_search\"}"));
        Assert.Equal(0m, MetricsText.Required(metrics, "cpst_pending_tasks"));
    }
}
