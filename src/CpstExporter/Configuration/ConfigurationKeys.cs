using System.Reflection;
using System.Text.RegularExpressions;
using CpstExporter.Billing;
using CpstExporter.Billing.CostApi;
using CpstExporter.Billing.Focus;
using CpstExporter.Hosting;
using CpstExporter.Receiving;
using CpstExporter.Tasks;
using Microsoft.Extensions.Configuration;

namespace CpstExporter.Configuration;

/// <summary>
/// The keys the <c>Cpst</c> section knows. A key outside them is most often a typo (<c>SettleSecond</c>) that would
/// otherwise leave the default silently in force, so each one is reported as a warning, with the nearest known key.
/// Warnings rather than errors: a configuration written for a newer version still starts.
/// <para>
/// The keys of an options type the binder fills (<see cref="ListenerOptions"/>, <see cref="TaskOptions"/>,
/// <see cref="ReceiverOptions"/>, <see cref="ShutdownOptions"/>) are its settable properties under its
/// <c>Section</c>, the very properties the binder sets, so adding one is the whole change. The others are listed here:
/// sections read by hand (price files, tokens, conventions, use cases), whose names are maps or lists rather than
/// properties, and the single limits read with <c>GetValue</c> (<see cref="CpstSettings"/>).
/// </para>
/// </summary>
internal static class ConfigurationKeys
{
    /// <summary>Known keys below <c>Cpst</c>; <c>*</c> stands for one segment of any name (a list index, a use case, an item).</summary>
    public static readonly string[] Known =
    [
        .. Bound<ListenerOptions>(ListenerOptions.Section),
        "PricingFile", "PricingFiles:*", "Pricing:ExchangeRates:*", "SettingsFile",
        .. Bound<TaskOptions>(TaskOptions.Section),
        .. Bound<ReceiverOptions>(ReceiverOptions.Section),
        "Limits:MaxSeriesPerMetric", "Limits:MaxConnections", "Limits:MaxTokensPerSpan", "Limits:MaxCostUsdPerSpan",
        "Exposition:DeprecatedMetricNames",
        .. Bound<ShutdownOptions>(ShutdownOptions.Section),
        .. Bound<ReconciliationOptions>(ReconciliationOptions.Section),
        "Conventions:*", "Conventions:*:*",
        "Auth:Tokens:*", "Auth:MetricsTokens:*",
        "UseCases:*:TargetUsd", "UseCases:*:MonthlyBudgetUsd", "UseCases:*:SupportingCosts:*",
        "UseCases:*:SpikeFactor", "UseCases:*:MinTasksPerHour",
        "UseCases:*:Outcome:Signals:*", "UseCases:*:Outcome:Combine", "UseCases:*:Outcome:PassThreshold",
        .. CostApiOptions.Keys,
        .. Bound<FocusImportOptions>(FocusImportOptions.Section), .. FocusImportOptions.MapKeys,
    ];

    /// <summary>The keys of an options type the binder fills: its public settable properties, in declaration order.</summary>
    private static IEnumerable<string> Bound<TOptions>(string section) =>
        typeof(TOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetSetMethod() is not null)
            .OrderBy(p => p.MetadataToken)
            .Select(p => $"{section}:{p.Name}");

    private static readonly Regex[] Patterns = Known
        .Select(k => new Regex("^" + string.Join(':', k.Split(':').Select(s => s == "*" ? "[^:]+" : Regex.Escape(s))) + "$",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant))
        .ToArray();

    // A section that holds only an empty list or map ("Tokens": [], "UseCases": {}) is a known key without children.
    private static readonly HashSet<string> KnownSections = new(
        Known.SelectMany(k => Enumerable.Range(1, k.Split(':').Length).Select(n => string.Join(':', k.Split(':').Take(n))))
            .Where(k => !k.Contains('*', StringComparison.Ordinal)),
        StringComparer.OrdinalIgnoreCase);

    /// <summary>One warning per unknown key under <paramref name="cpst"/>, naming it and, when there is one, the key meant.</summary>
    public static List<string> Unknown(IConfigurationSection cpst)
    {
        var warnings = new List<string>();
        foreach (var (key, value) in cpst.AsEnumerable(makePathsRelative: true))
        {
            if (value is null || KnownSections.Contains(key) && value.Length == 0) continue; // a section, not a value
            if (Patterns.Any(p => p.IsMatch(key))) continue;
            string? nearest = Nearest(key);
            warnings.Add($"unknown configuration key Cpst:{key} is ignored" + (nearest is null ? "" : $"; did you mean Cpst:{nearest}?"));
        }
        warnings.Sort(StringComparer.Ordinal);
        return warnings;
    }

    private static string? Nearest(string key)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string known in Known.Where(k => !k.Contains('*', StringComparison.Ordinal)))
        {
            int distance = Distance(key.ToLowerInvariant(), known.ToLowerInvariant());
            if (distance < bestDistance) (best, bestDistance) = (known, distance);
        }
        return bestDistance <= 3 ? best : null;
    }

    private static int Distance(string a, string b)
    {
        var row = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) row[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int diagonal = row[0];
            row[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }
}
