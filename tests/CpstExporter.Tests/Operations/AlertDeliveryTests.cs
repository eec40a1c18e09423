using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// What reaches the person on call: the shipped rules over backfilled history in a real Prometheus, the shipped
/// Alertmanager configuration in a real Alertmanager, and the notification its webhook receiver posts (<see cref="AlertStack"/>).
/// </summary>
public sealed class AlertDeliveryTests(AlertStack stack) : IClassFixture<AlertStack>
{
    [RequiresBinaryFact("prometheus", "promtool", "alertmanager")]
    public void CpstSpike_MoreThoroughPrompt_NotificationNamesTheToolBranchAndLinksTheTasksOfTheHour()
    {
        JsonElement alert = stack.Delivered("CpstSpike", "search-agent") ?? throw new InvalidOperationException("no CpstSpike for search-agent");
        JsonElement labels = alert.GetProperty("labels"), annotations = alert.GetProperty("annotations");

        Assert.Equal("page", labels.GetProperty("severity").GetString());
        // The explanation: CPST up half, because of the tools, with the success ratio and the LLM side unchanged.
        string description = annotations.GetProperty("description").GetString()!;
        Assert.True(Regex.IsMatch(description,
            @"^CPST 0\.750 vs 0\.500 USD \(\+50%\): cost per task 0\.600 vs 0\.400 USD \(\+50%\), tool calls per task 3\.00 vs 1\.00 \(\+200%\), " +
            @"tool cost per task 0\.300 vs 0\.100 USD \(\+200%\); success ratio 80%, LLM calls per task 2\.00 and cost per LLM call 0\.150 USD unchanged\. " +
            @"Last hour \(\d+ tasks\) vs the previous 7 days\.$"), description);
        Assert.Equal("CPST of search-agent is 0.7500 USD, 1.50x its 7-day baseline", annotations.GetProperty("summary").GetString());
        Assert.Equal("/d/cpst-overview/cpst-overview?var-use_case=search-agent", annotations.GetProperty("dashboard").GetString());
        Assert.Equal("docs/alerts.md#cpstspike", annotations.GetProperty("runbook").GetString());

        // The tasks dashboard for that use case and the hour the alert judged, in epoch milliseconds.
        Match link = Regex.Match(annotations.GetProperty("tasks_dashboard").GetString()!,
            @"^/d/cpst-tasks/cpst-tasks\?var-use_case=search-agent&from=(?<from>\d+)&to=(?<to>\d+)$");
        Assert.True(link.Success, annotations.GetProperty("tasks_dashboard").GetString());
        long from = long.Parse(link.Groups["from"].Value, CultureInfo.InvariantCulture), to = long.Parse(link.Groups["to"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(3_600_000, to - from);
        Assert.InRange(to, stack.HistoryEnd.ToUnixTimeMilliseconds(), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
    }

    [RequiresBinaryFact("prometheus", "promtool", "alertmanager")]
    public async Task TasksWithoutOutcome_Firing_HoldsBackCpstSpikeAndSuccessRateDropOfThatUseCase()
    {
        JsonElement cause = stack.Delivered("TasksWithoutOutcome", "support-bot") ?? throw new InvalidOperationException("no TasksWithoutOutcome for support-bot");
        Assert.Equal("40% of the tasks of support-bot finish without an outcome", cause.GetProperty("annotations").GetProperty("summary").GetString());
        // Which signals decided the rest: the reviews posted to the outcome API, and the agent's own failures.
        string description = cause.GetProperty("annotations").GetProperty("description").GetString()!;
        Assert.True(Regex.IsMatch(description, @"^40% of the \d+ tasks of support-bot finished in the last hour were decided by no signal: .*" +
            @"\(Cpst:UseCases:support-bot:Outcome:Signals; .*\)\. The rest were decided by api \(50%\), span \(10%\)\. They count as not successful"), description);

        // Prometheus sent the consequences too; Alertmanager holds them, inhibited by the cause, and never posted them.
        JsonElement held = await Alertmanager();
        foreach (string consequence in new[] { "CpstSpike", "TaskSuccessRateDrop" })
        {
            JsonElement alert = held.EnumerateArray().Single(a =>
                a.GetProperty("labels").GetProperty("alertname").GetString() == consequence
                && a.GetProperty("labels").GetProperty("use_case").GetString() == "support-bot");
            Assert.Equal("suppressed", alert.GetProperty("status").GetProperty("state").GetString());
            Assert.NotEmpty(alert.GetProperty("status").GetProperty("inhibitedBy").EnumerateArray());
            Assert.Null(stack.Delivered(consequence, "support-bot"));
        }
        // The other use case's CpstSpike is not held back: inhibition is per use case.
        Assert.NotNull(stack.Delivered("CpstSpike", "search-agent"));
    }

    [RequiresBinaryFact("prometheus", "promtool", "alertmanager")]
    public async Task UntracedSpend_BillAboveTraces_NotificationNamesTheProviderTheDayAndBilledTracedAndUntracedDollars()
    {
        JsonElement alert = stack.Delivered("UntracedSpend", "provider", "openai") ?? throw new InvalidOperationException("no UntracedSpend for openai");
        JsonElement annotations = alert.GetProperty("annotations");

        Assert.Equal("warning", alert.GetProperty("labels").GetProperty("severity").GetString());
        Assert.Equal("30.00 USD of the openai bill for 2026-11-01 is not traced (75% traced)", annotations.GetProperty("summary").GetString());
        Assert.Equal("On 2026-11-01 (UTC), the last day its bill covers, openai billed 120.00 USD and the exporter traced 90.00 USD of it (75%): 30.00 USD of "
            + "spend that no trace accounts for, and that no CPST includes. The accounts and days are on the cpst-finance dashboard.",
            annotations.GetProperty("description").GetString());
        Assert.Equal("/d/cpst-finance/cpst-finance", annotations.GetProperty("dashboard").GetString());

        // Anthropic's bill is 98 % traced, and both sources imported on time: Alertmanager holds nothing else of billing.
        JsonElement held = await stack.Alertmanager.AlertsAsync();
        Assert.DoesNotContain(held.EnumerateArray(), a => a.GetProperty("labels").GetProperty("alertname").GetString() == "BillingImportStale"
            || (a.GetProperty("labels").GetProperty("alertname").GetString() == "UntracedSpend"
                && a.GetProperty("labels").GetProperty("provider").GetString() != "openai"));
    }

    /// <summary>Alertmanager's alerts once it has received the support bot's CpstSpike and TaskSuccessRateDrop.</summary>
    private async Task<JsonElement> Alertmanager()
    {
        JsonElement alerts = default;
        await Poll.UntilAsync(async () =>
        {
            alerts = await stack.Alertmanager.AlertsAsync();
            return alerts.EnumerateArray().Count(a => a.GetProperty("labels").TryGetProperty("use_case", out JsonElement uc) && uc.GetString() == "support-bot"
                && a.GetProperty("labels").GetProperty("alertname").GetString() is "CpstSpike" or "TaskSuccessRateDrop") == 2;
        }, "the support bot's CpstSpike and TaskSuccessRateDrop in Alertmanager", TimeSpan.FromSeconds(60));
        return alerts;
    }
}
