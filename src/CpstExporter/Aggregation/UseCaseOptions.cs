using System.Globalization;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Aggregation;

/// <summary>
/// FinOps settings of one use case (<c>Cpst:UseCases:&lt;name&gt;</c>). Read at start and again whenever the
/// configuration changes, so targets, budgets, supporting costs and alert thresholds change without a restart.
/// </summary>
internal sealed class UseCaseOptions
{
    /// <summary>The CPST objective in USD, exposed as <c>cpst_target_usd</c>. Default none.</summary>
    public decimal? TargetUsd { get; set; }

    /// <summary>The monthly budget in USD, exposed as <c>cpst_monthly_budget_usd</c>. Default none.</summary>
    public decimal? MonthlyBudgetUsd { get; set; }

    /// <summary>Spend no span carries (vector database, GPU reservation…), USD per month per item. Default none.</summary>
    public Dictionary<string, decimal> SupportingCosts { get; set; } = new();

    /// <summary>
    /// <c>CpstSpike</c> fires when the use case's CPST over the last hour exceeds this many times its 7-day baseline;
    /// exposed as <c>cpst_spike_factor</c>, above 1. Default none: the recording rules then use 1.4.
    /// </summary>
    public decimal? SpikeFactor { get; set; }

    /// <summary>
    /// The fewest tasks finished in an hour for the use case's alerts to judge that hour; exposed as
    /// <c>cpst_min_tasks_per_hour</c>, at least 1. Default none: the recording rules then use 20.
    /// </summary>
    public long? MinTasksPerHour { get; set; }

    /// <summary>Which signals decide the use case's outcome and how (<c>Outcome:Signals</c>, <c>Combine</c>, <c>PassThreshold</c>). Default: every signal, the first decides.</summary>
    public OutcomePolicy Outcome { get; private set; } = OutcomePolicy.Default;

    /// <summary>The outcome policy of each use case that sets one.</summary>
    public static IReadOnlyDictionary<string, OutcomePolicy> Policies(IReadOnlyDictionary<string, UseCaseOptions> useCases) =>
        useCases.Where(u => !ReferenceEquals(u.Value.Outcome, OutcomePolicy.Default)).ToDictionary(u => u.Key, u => u.Value.Outcome, StringComparer.Ordinal);

    /// <summary>
    /// Reads and checks the <c>Cpst:UseCases</c> section; a wrong amount throws with the key named. Parsed by hand:
    /// the configuration binder silently drops a dictionary entry whose value does not convert, and reads "0,05" as 5.
    /// </summary>
    public static IReadOnlyDictionary<string, UseCaseOptions> ReadAll(IConfigurationSection useCases)
    {
        var all = new Dictionary<string, UseCaseOptions>(StringComparer.Ordinal);
        foreach (IConfigurationSection useCase in useCases.GetChildren())
        {
            var options = new UseCaseOptions();
            foreach (IConfigurationSection setting in useCase.GetChildren())
            {
                switch (setting.Key.ToUpperInvariant())
                {
                    case "TARGETUSD":
                        options.TargetUsd = Amount(setting);
                        break;
                    case "MONTHLYBUDGETUSD":
                        options.MonthlyBudgetUsd = Amount(setting);
                        break;
                    case "SPIKEFACTOR":
                        options.SpikeFactor = Factor(setting);
                        break;
                    case "MINTASKSPERHOUR":
                        options.MinTasksPerHour = TaskCount(setting);
                        break;
                    case "OUTCOME":
                        options.Outcome = OutcomePolicy.Read(setting);
                        break;
                    case "SUPPORTINGCOSTS":
                        foreach (IConfigurationSection item in setting.GetChildren())
                            options.SupportingCosts[item.Key] = Amount(item, " (USD per month)");
                        break;
                    // Anything else is reported as an unknown key (ConfigurationKeys), like every other typo.
                }
            }
            all[useCase.Key] = options;
        }
        return all;
    }

    private static decimal Amount(IConfigurationSection setting, string unit = "")
    {
        if (!decimal.TryParse(setting.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal amount))
            throw new CpstConfigurationException($"{setting.Path} must be an amount in USD such as 0.05{unit}, not '{setting.Value}'");
        if (amount < 0)
            throw new CpstConfigurationException($"{setting.Path} must not be negative{unit}");
        return amount;
    }

    // A factor of 1 or less would page for CPST that did not rise at all: more traffic at the same CPST must stay quiet.
    private static decimal Factor(IConfigurationSection setting)
    {
        if (!decimal.TryParse(setting.Value, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal factor))
            throw new CpstConfigurationException($"{setting.Path} must be a factor above 1 such as 1.4 (CpstSpike fires when CPST exceeds that many times its 7-day baseline), not '{setting.Value}'");
        if (factor <= 1)
            throw new CpstConfigurationException($"{setting.Path} must be above 1, such as 1.4: at {factor.ToString(CultureInfo.InvariantCulture)} CpstSpike would fire while CPST stays the same");
        return factor;
    }

    private static long TaskCount(IConfigurationSection setting)
    {
        if (!long.TryParse(setting.Value, NumberStyles.None, CultureInfo.InvariantCulture, out long count) || count < 1)
            throw new CpstConfigurationException($"{setting.Path} must be a whole number of tasks, at least 1, such as 20, not '{setting.Value}'");
        return count;
    }

    /// <summary>True when both sets configure the same use cases with the same amounts.</summary>
    public static bool SameAs(IReadOnlyDictionary<string, UseCaseOptions> a, IReadOnlyDictionary<string, UseCaseOptions> b) =>
        a.Count == b.Count && a.All(entry => b.TryGetValue(entry.Key, out UseCaseOptions? other) && entry.Value.SameAs(other));

    private bool SameAs(UseCaseOptions other) =>
        TargetUsd == other.TargetUsd && MonthlyBudgetUsd == other.MonthlyBudgetUsd
        && SpikeFactor == other.SpikeFactor && MinTasksPerHour == other.MinTasksPerHour && Outcome.SameAs(other.Outcome)
        && SupportingCosts.Count == other.SupportingCosts.Count
        && SupportingCosts.All(c => other.SupportingCosts.TryGetValue(c.Key, out decimal v) && v == c.Value);
}
