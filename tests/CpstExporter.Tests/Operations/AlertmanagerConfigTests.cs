namespace CpstExporter.Tests.Operations;

/// <summary>The shipped Alertmanager configuration, checked by Alertmanager's own tool.</summary>
public sealed class AlertmanagerConfigTests
{
    [RequiresBinaryFact("amtool")]
    public async Task CheckConfig_ShippedConfig_IsValid()
    {
        var (exitCode, output) = await Processes.RunAsync(Binaries.Find("amtool")!, "check-config alertmanager/alertmanager.yml");

        Assert.True(exitCode == 0, output);
        Assert.Contains("SUCCESS", output);
    }

    /// <summary>
    /// Every alert of the shipped rules, with its severity: pages and warnings reach the default receiver, informational
    /// alerts (SpendChanged, OutputTokensPerCallSurge) only the info receiver, so a pager on the default never gets them.
    /// </summary>
    [RequiresBinaryFact("amtool")]
    public async Task Routes_EveryShippedAlert_ReachesTheReceiverOfItsSeverity()
    {
        var alerts = ShippedAlerts();
        Assert.Contains(alerts, a => a.Name == "SpendChanged" && a.Severity == "info");
        Assert.Contains(alerts, a => a.Severity == "page");

        foreach (var (name, severity) in alerts)
        {
            string receiver = severity == "info" ? "info" : "default";
            var (exitCode, output) = await Processes.RunAsync(Binaries.Find("amtool")!,
                $"config routes test --config.file=alertmanager/alertmanager.yml --verify.receivers={receiver} alertname={name} use_case=support-bot severity={severity}");

            Assert.True(exitCode == 0, $"{name} ({severity}) should reach only {receiver}: {output}");
        }
    }

    private static List<(string Name, string Severity)> ShippedAlerts()
    {
        var alerts = new List<(string, string)>();
        foreach (string file in Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yml").Order())
        {
            var root = (Dictionary<string, object?>)YamlTree.LoadAllFile(file).Single()!;
            foreach (var group in ((List<object?>)root["groups"]!).Cast<Dictionary<string, object?>>())
                foreach (var rule in ((List<object?>)group["rules"]!).Cast<Dictionary<string, object?>>())
                    if (rule.TryGetValue("alert", out object? name))
                        alerts.Add(((string)name!, (string)((Dictionary<string, object?>)rule["labels"]!)["severity"]!));
        }
        return alerts;
    }
}
