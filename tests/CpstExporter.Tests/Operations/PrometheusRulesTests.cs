namespace CpstExporter.Tests.Operations;

/// <summary>The shipped Prometheus rules, checked and unit-tested by promtool itself.</summary>
public sealed class PrometheusRulesTests
{
    private static string[] Files(string folder) =>
        Directory.GetFiles(RepoFiles.Path("prometheus", folder), "*.yml").Select(f => Path.GetRelativePath(RepoFiles.Root, f)).Order().ToArray();

    [RequiresBinaryFact("promtool")]
    public async Task CheckRules_ShippedRules_AreValid()
    {
        string[] rules = Files("rules");
        Assert.NotEmpty(rules);
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", "check rules " + string.Join(' ', rules));
        Assert.True(exitCode == 0, output);
    }

    [RequiresBinaryFact("promtool")]
    public async Task TestRules_EveryAlertFiresAndStaysQuietAsSpecified()
    {
        string[] tests = Files("tests");
        Assert.NotEmpty(tests);
        // A guard against a hang, not a measure: the rule tests take promtool three to five minutes of one core (one of
        // them evaluates 61 days of hourly rules), more when the suite's other tests share the machine's two cores.
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("promtool") ?? "promtool", "test rules " + string.Join(' ', tests), timeout: TimeSpan.FromMinutes(15));
        Assert.True(exitCode == 0, output);
    }

    [Fact]
    public void Alerts_EveryNameOfTheContract_IsDefined()
    {
        string alerts = string.Join('\n', Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yml").Select(File.ReadAllText));
        string[] contract = ["CpstSpike", "CpstAboveTarget", "TaskSuccessRateDrop", "CostPerTaskSurge", "AgentLoopSuspected",
            "ToolCallsPerTaskSurge", "OutputTokensPerCallSurge", "UnpricedModelInUse", "TasksWithoutOutcome",
            "MonthlyBudgetAtRisk", "CpstExporterDown", "CpstExporterRejectingSpans", "UntracedSpend", "BillingImportStale",
            "SpendChanged"];
        Assert.All(contract, name => Assert.Contains($"alert: {name}\n", alerts));
    }
}
