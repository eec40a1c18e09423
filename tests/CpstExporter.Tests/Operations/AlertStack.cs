using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// The path a user receives CPST alerts by, set up once for <see cref="AlertDeliveryTests"/>: four hours of history
/// (<see cref="AlertHistory"/>) backfilled into a TSDB with <c>promtool tsdb create-blocks-from openmetrics</c>, the
/// shipped recording rules backfilled over it with <c>promtool tsdb create-blocks-from rules</c> (twice: rules that
/// read other rules need the first pass's output), then a real Prometheus evaluating the shipped rules over that
/// history and sending to a real Alertmanager with the shipped <c>alertmanager/alertmanager.yml</c>, whose receiver
/// posts to a webhook in the test. When a binary is missing locally nothing starts and the tests skip.
/// </summary>
/// <remarks>
/// What the test copies change, only to take seconds instead of an hour: every alert's <c>for:</c> is 10s, and
/// Alertmanager's <c>group_wait</c> and <c>group_interval</c> are 5s; the receiver the route sends to gets the
/// webhook. Routes, grouping, inhibition, expressions and templates are the shipped ones. The 10s let Prometheus find
/// Alertmanager before the first alert fires (an alert that arrives later than its start plus <c>group_wait</c> is
/// sent at once, before an inhibiting alert sent a moment after it can hold it back), and Prometheus resends every
/// 2s (<see cref="PrometheusServer.StartOnAsync"/>) in case it did not.
/// </remarks>
public sealed partial class AlertStack : IAsyncLifetime
{
    public static readonly string[] RequiredBinaries = ["prometheus", "promtool", "alertmanager"];

    private string? _directory;

    internal WebhookReceiver Webhook { get; private set; } = null!;
    internal AlertmanagerServer Alertmanager { get; private set; } = null!;
    internal PrometheusServer Prometheus { get; private set; } = null!;

    /// <summary>Where the backfilled history ends: "now" for the rules, to the second.</summary>
    public DateTimeOffset HistoryEnd { get; private set; }

    public async Task InitializeAsync()
    {
        if (RequiredBinaries.Any(b => Binaries.Find(b) is null)) return;
        _directory = Directory.CreateTempSubdirectory("cpst-alerts-").FullName;
        string data = Path.Combine(_directory, "data");
        string promtool = Binaries.Find("promtool")!;

        HistoryEnd = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds());
        string history = Path.Combine(_directory, "history.om");
        await File.WriteAllTextAsync(history, AlertHistory.OpenMetrics(HistoryEnd));
        await RunAsync(promtool, ["tsdb", "create-blocks-from", "openmetrics", history, data]);

        string recording = RepoFiles.Path("prometheus", "rules", "cpst-recording.yml");
        // Recorded up to the change only: what the baselines read (the previous 7 days but the last hour) comes from
        // these passes, whatever the hour since the change, which the live rules judge, takes to set up.
        string start = (HistoryEnd - AlertHistory.Length).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        string end = (HistoryEnd - AlertHistory.ChangeBeforeEnd).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        for (int pass = 1; pass <= 2; pass++)
        {
            string output = Path.Combine(_directory, $"rules-{pass}");
            await using (PrometheusServer source = await PrometheusServer.StartOnAsync(data, []))
                await RunAsync(promtool, ["tsdb", "create-blocks-from", "rules", "--quiet", "--url=" + source.Address.ToString().TrimEnd('/'),
                    "--start=" + start, "--end=" + end, "--output-dir=" + output, recording]);
            foreach (string block in Directory.GetDirectories(output))
                Directory.Move(block, Path.Combine(data, Path.GetFileName(block)));
        }

        Webhook = await WebhookReceiver.StartAsync();
        Alertmanager = await AlertmanagerServer.StartAsync(AlertmanagerConfig(Webhook.Url));
        Prometheus = await PrometheusServer.StartOnAsync(data, RulesWithShortFor(), Alertmanager.Address);

        // Both notifications leave the same rule evaluation; once they are here, Alertmanager has made up its mind
        // about every alert of it, held back or not.
        try
        {
            await Poll.UntilAsync(() => Delivered("CpstSpike", "search-agent") is not null && Delivered("TasksWithoutOutcome", "support-bot") is not null
                    && Delivered("UntracedSpend", "provider", "openai") is not null,
                "the CpstSpike, TasksWithoutOutcome and UntracedSpend notifications at the webhook", TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException($"{e.Message}\n{Diagnose()}", e);
        }
    }

    /// <summary>The first delivered firing alert of that name and use case, or null.</summary>
    internal JsonElement? Delivered(string alertname, string useCase) => Delivered(alertname, "use_case", useCase);

    /// <summary>The first delivered firing alert of that name whose <paramref name="label"/> is <paramref name="value"/>, or null.</summary>
    internal JsonElement? Delivered(string alertname, string label, string value)
    {
        foreach (JsonElement alert in Webhook.Alerts)
        {
            JsonElement labels = alert.GetProperty("labels");
            if (labels.GetProperty("alertname").GetString() == alertname
                && labels.TryGetProperty(label, out JsonElement found) && found.GetString() == value
                && alert.GetProperty("status").GetString() == "firing")
                return alert;
        }
        return null;
    }

    public async Task DisposeAsync()
    {
        if (Prometheus is not null) await Prometheus.DisposeAsync();
        if (Alertmanager is not null) await Alertmanager.DisposeAsync();
        if (Webhook is not null) await Webhook.DisposeAsync();
        if (_directory is null) return;
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open is left in the temp directory; nothing depends on it.
        }
    }

    /// <summary>The shipped rule files with every <c>for:</c> at 10s, in the test's directory.</summary>
    private string[] RulesWithShortFor()
    {
        var copies = new List<string>();
        foreach (string file in Directory.GetFiles(RepoFiles.Path("prometheus", "rules"), "*.yml").Order())
        {
            string copy = Path.Combine(_directory!, "rules", Path.GetFileName(file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.WriteAllText(copy, ForDuration().Replace(File.ReadAllText(file), "${indent}for: 10s"));
            copies.Add(copy);
        }
        return [.. copies];
    }

    /// <summary>The shipped Alertmanager configuration, its route's receiver posting to <paramref name="webhook"/>, waits of 5s.</summary>
    private string AlertmanagerConfig(Uri webhook)
    {
        var yaml = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(RepoFiles.Path("alertmanager", "alertmanager.yml")))) yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var route = (YamlMappingNode)root["route"];
        route.Children[new YamlScalarNode("group_wait")] = new YamlScalarNode("5s");
        route.Children[new YamlScalarNode("group_interval")] = new YamlScalarNode("5s");
        string receiverName = ((YamlScalarNode)route["receiver"]).Value!;
        YamlMappingNode receiver = ((YamlSequenceNode)root["receivers"]).Children.Cast<YamlMappingNode>()
            .Single(r => ((YamlScalarNode)r["name"]).Value == receiverName);
        receiver.Children[new YamlScalarNode("webhook_configs")] = new YamlSequenceNode(new YamlMappingNode(
            new YamlScalarNode("url"), new YamlScalarNode(webhook.ToString()),
            new YamlScalarNode("send_resolved"), new YamlScalarNode("false")));

        string path = Path.Combine(_directory!, "alertmanager.yml");
        using (var writer = new StreamWriter(path)) yaml.Save(writer, assignAnchors: false);
        return path;
    }

    private string Diagnose() =>
        $"webhook got: {string.Join(", ", Webhook.Alerts.Select(a => $"{a.GetProperty("labels")}"))}\n" +
        $"alertmanager log:\n{Alertmanager.Log}\nprometheus log:\n{Prometheus.Log}";

    private static async Task RunAsync(string file, string[] arguments)
    {
        var (exitCode, output) = await Processes.RunAsync(file, string.Join(' ', arguments.Select(Quote)), timeout: TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {exitCode}:\n{output}");
    }

    private static string Quote(string argument) => argument.Contains(' ', StringComparison.Ordinal) ? $"\"{argument}\"" : argument;

    [GeneratedRegex(@"^(?<indent>[ \t]+)for: \S+[ \t]*$", RegexOptions.Multiline)]
    private static partial Regex ForDuration();
}
