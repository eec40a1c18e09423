using System.Globalization;
using CpstExporter.Aggregation;
using CpstExporter.Configuration;
using CpstExporter.Hosting;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Tests.Operations;

/// <summary>
/// docs/reference.md cannot drift from the code: its metrics table lists exactly the families of
/// <see cref="MetricCatalogue"/> with their types and labels, and its configuration table exactly the keys of
/// <see cref="ConfigurationKeys"/>, with the defaults the service runs with when nothing is configured.
/// </summary>
public sealed class ReferenceDocTests
{
    private const string MetricsHeading = "### Exporter metrics";
    private const string ConfigurationHeading = "## Configuration";

    /// <summary>Keys outside <c>Cpst</c> the table may name: ASP.NET's own, which the exporter reads as they are.</summary>
    private static readonly string[] OutsidePrefixes = ["Kestrel:"];

    /// <summary>What the service runs with for each key whose default the table states as a value, as the table writes it.</summary>
    private static readonly Dictionary<string, Func<CpstSettings, object>> DefaultsInForce = new(StringComparer.Ordinal)
    {
        ["Listen:OtlpGrpc"] = s => s.Listen.OtlpGrpc,
        ["Listen:OtlpHttp"] = s => s.Listen.OtlpHttp,
        ["Listen:Metrics"] = s => s.Listen.Metrics,
        ["PricingFile"] = s => s.Pricing.PricingFile,
        ["Tasks:SettleSeconds"] = s => s.Tasks.SettleSeconds,
        ["Tasks:OutcomeWindowSeconds"] = s => s.Tasks.OutcomeWindowSeconds,
        ["Tasks:MaxPending"] = s => s.Tasks.MaxPending,
        ["Tasks:MaxFinishedRemembered"] = s => s.Tasks.MaxFinishedRemembered,
        ["Tasks:RecentTasks"] = s => s.Tasks.RecentTasks,
        ["Tasks:CheckpointSeconds"] = s => s.Tasks.CheckpointSeconds,
        ["Tasks:DuplicateWindowSeconds"] = s => s.Tasks.DuplicateWindowSeconds,
        ["Shutdown:DrainSeconds"] = s => s.Shutdown.DrainSeconds,
        ["Limits:MaxSeriesPerMetric"] = s => s.MaxSeriesPerMetric,
        ["Exposition:DeprecatedMetricNames"] = s => s.DeprecatedMetricNames ? "true" : "false",
        ["Limits:MaxRequestBytes"] = s => s.Receiver.MaxRequestBytes,
        ["Limits:MaxConcurrentExports"] = s => s.Receiver.MaxConcurrentExports,
        // Unset, the limit is fitted to the open-file limit, from this most.
        ["Limits:MaxConnections"] = s => s.MaxConnections ?? ConnectionLimit.DefaultMax,
        ["Limits:MaxTokensPerSpan"] = s => s.Plausible.MaxTokensPerSpan,
        ["Limits:MaxCostUsdPerSpan"] = s => s.Plausible.MaxCostUsdPerSpan,
        ["Billing:PollMinutes"] = s => s.CostApi.PollMinutes,
        ["Billing:OpenAI:BaseUrl"] = s => s.CostApi.OpenAI.BaseUrl.OriginalString,
        ["Billing:Anthropic:BaseUrl"] = s => s.CostApi.Anthropic.BaseUrl.OriginalString,
        ["Billing:Focus:MaxFileBytes"] = s => s.Focus.MaxFileBytes,
        ["Billing:Focus:MaxRows"] = s => s.Focus.MaxRows,
        ["Billing:Focus:MaxFieldLength"] = s => s.Focus.MaxFieldLength,
        ["Billing:Focus:MaxAmountsPerFile"] = s => s.Focus.MaxAmountsPerFile,
        ["Billing:Focus:MaxFiles"] = s => s.Focus.MaxFiles,
        ["Billing:Focus:RescanSeconds"] = s => s.Focus.RescanSeconds,
        ["Billing:Focus:SettleSeconds"] = s => s.Focus.SettleSeconds,
        ["Billing:AllocateUntraced"] = s => s.Reconciliation.AllocateUntraced ? "true" : "false",
        ["Billing:MaxAccountsPerProvider"] = s => s.Reconciliation.MaxAccountsPerProvider,
    };

    [Fact]
    public void Metrics_EveryCatalogueFamily_IsListedWithItsTypeAndLabels()
    {
        Dictionary<string, ListedFamily> listed = ListedFamilies();
        var wrong = new List<string>();
        foreach (MetricDescriptor family in MetricCatalogue.All)
        {
            string type = family.Type.ToString().ToLowerInvariant();
            if (!listed.TryGetValue(family.Name, out ListedFamily? row))
                wrong.Add($"{family.Name} ({type}; {Join(family.LabelNames)}) is not in the table");
            else if (row.Type != type || !row.Labels.SequenceEqual(family.LabelNames))
                wrong.Add($"{family.Name} is listed as {row.Type} with labels {Join(row.Labels)}; it is a {type} with labels {Join(family.LabelNames)}");
        }
        Assert.True(wrong.Count == 0, $"docs/reference.md, \"{MetricsHeading}\":\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void Metrics_EveryListedFamily_IsInTheCatalogue()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (MetricDescriptor family in MetricCatalogue.All) names.Add(family.Name);

        string[] unknown = [.. ListedFamilies().Keys.Where(name => !names.Contains(name))];
        Assert.True(unknown.Length == 0, $"docs/reference.md, \"{MetricsHeading}\", lists families the exporter does not write: {Join(unknown)}");
    }

    [Fact]
    public void Metrics_TaskLabels_AreTheCataloguesTaskLabels()
    {
        // "Task labels: `use_case`, `outcome` (`success`, …), `model` (…), …": the names outside the parentheses.
        int start = ReferenceDoc.Text.IndexOf("Task labels:", StringComparison.Ordinal);
        Assert.True(start >= 0, "docs/reference.md no longer says what the task labels are (\"Task labels:\")");
        string sentence = ReferenceDoc.WithoutParentheses(ReferenceDoc.Text[start..]).Split('.')[0];

        Assert.Equal(MetricCatalogue.TaskLabels, ReferenceDoc.CodeSpans(sentence));
    }

    [Fact]
    public void Configuration_EveryKnownKey_IsInTheTable()
    {
        HashSet<string> listed = [.. ListedKeys().Select(k => k.Key)];

        string[] missing = [.. ConfigurationKeys.Known.Where(key => !listed.Contains(key))];
        Assert.True(missing.Length == 0,
            $"docs/reference.md, \"{ConfigurationHeading}\", has no row for Cpst:{string.Join(", Cpst:", missing)} (write <name> for a '*' segment)");
    }

    [Fact]
    public void Configuration_EveryTableKey_IsAKnownKey()
    {
        var known = new HashSet<string>(ConfigurationKeys.Known, StringComparer.Ordinal);
        var wrong = new List<string>();
        foreach (string[] row in ReferenceDoc.TableUnder(ConfigurationHeading))
        {
            string[] spans = ReferenceDoc.CodeSpans(row[0]);
            if (spans.Length == 0) wrong.Add($"a row names no key: {row[0]}");
            foreach (string span in spans)
            {
                if (span.StartsWith("Cpst:", StringComparison.Ordinal) ? known.Contains(Normalise(span)) :
                    span.StartsWith(':') || OutsidePrefixes.Any(p => span.StartsWith(p, StringComparison.Ordinal))) continue;
                wrong.Add($"{span} is not a key the service knows");
            }
        }
        Assert.True(wrong.Count == 0, $"docs/reference.md, \"{ConfigurationHeading}\":\n" + string.Join('\n', wrong));
    }

    [Fact]
    public void Configuration_StatedDefaults_AreTheDefaultsInForce()
    {
        // What the service runs with when nothing is configured, read and checked as at start.
        CpstSettings settings = CpstSettings.Read(new ConfigurationBuilder().Build().GetSection("Cpst"));

        var stated = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (ListedKey key in ListedKeys())
            if (key.StatedDefault is not null) stated[key.Key] = key.StatedDefault;

        var wrong = new List<string>();
        foreach (var (key, inForce) in DefaultsInForce)
        {
            string actual = Convert.ToString(inForce(settings), CultureInfo.InvariantCulture)!;
            if (!stated.TryGetValue(key, out string? written)) wrong.Add($"Cpst:{key} states no default; it is `{actual}`");
            else if (written != actual) wrong.Add($"Cpst:{key} states the default `{written}`; it is `{actual}`");
        }
        // A default stated for a key this test does not know how to read would go unchecked.
        wrong.AddRange(stated.Keys.Where(k => !DefaultsInForce.ContainsKey(k)).Select(k => $"Cpst:{k} states a default this test does not check: add it to DefaultsInForce"));
        Assert.True(wrong.Count == 0, $"docs/reference.md, \"{ConfigurationHeading}\":\n" + string.Join('\n', wrong));
    }

    private sealed record ListedFamily(string Type, string[] Labels);

    private sealed record ListedKey(string Key, string? StatedDefault);

    /// <summary>Every family of the exporter metrics table by name; a row may list several of the same type and labels.</summary>
    private static Dictionary<string, ListedFamily> ListedFamilies()
    {
        var families = new Dictionary<string, ListedFamily>(StringComparer.Ordinal);
        foreach (string[] row in ReferenceDoc.TableUnder(MetricsHeading))
        {
            var family = new ListedFamily(row[1], Labels(row[2]));
            foreach (string name in ReferenceDoc.CodeSpans(row[0]))
                Assert.True(families.TryAdd(name, family), $"docs/reference.md lists {name} twice");
        }
        return families;
    }

    /// <summary>"task labels, `token_type` (`input`, `output`)" → the task labels and <c>token_type</c>.</summary>
    private static string[] Labels(string cell)
    {
        var labels = new List<string>();
        foreach (string part in ReferenceDoc.WithoutParentheses(cell).Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == "task labels") labels.AddRange(MetricCatalogue.TaskLabels);
            else if (ReferenceDoc.CodeSpans(part) is [string label] && part == $"`{label}`") labels.Add(label);
            else throw new InvalidOperationException($"docs/reference.md: '{part}' in '{cell}' is neither a `label` nor \"task labels\"");
        }
        return [.. labels];
    }

    /// <summary>The <c>Cpst</c> keys of the configuration table, relative to <c>Cpst</c>, with the default of each row that states one as a value.</summary>
    private static IEnumerable<ListedKey> ListedKeys() =>
        from row in ReferenceDoc.TableUnder(ConfigurationHeading)
        let statedDefault = row[1].StartsWith('`') ? ReferenceDoc.CodeSpans(row[1])[0] : null
        from span in ReferenceDoc.CodeSpans(row[0])
        where span.StartsWith("Cpst:", StringComparison.Ordinal)
        select new ListedKey(Normalise(span), statedDefault);

    /// <summary><c>Cpst:UseCases:&lt;name&gt;:TargetUsd</c> → <c>UseCases:*:TargetUsd</c>, as <see cref="ConfigurationKeys.Known"/> writes it.</summary>
    private static string Normalise(string key) =>
        string.Join(':', key["Cpst:".Length..].Split(':').Select(s => s.StartsWith('<') && s.EndsWith('>') ? "*" : s));

    private static string Join(IEnumerable<string> names) => "[" + string.Join(", ", names) + "]";
}
