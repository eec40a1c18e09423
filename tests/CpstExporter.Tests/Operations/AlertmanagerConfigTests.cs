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

    [RequiresBinaryFact("amtool")]
    public async Task Routes_EveryCpstAlert_ReachesTheDefaultReceiver()
    {
        foreach (string alert in new[] { "CpstSpike", "CpstAboveTarget", "TasksWithoutOutcome" })
        {
            var (exitCode, output) = await Processes.RunAsync(Binaries.Find("amtool")!,
                $"config routes test --config.file=alertmanager/alertmanager.yml --verify.receivers=default alertname={alert} use_case=support-bot severity=page");

            Assert.True(exitCode == 0, $"{alert}: {output}");
        }
    }
}
