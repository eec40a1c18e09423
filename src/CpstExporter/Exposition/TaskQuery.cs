using System.Globalization;
using System.Text;
using CpstExporter.Conventions;
using CpstExporter.Primitives;
using CpstExporter.Tasks;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Exposition;

/// <summary>
/// The parameters of <c>GET /api/v1/tasks</c> (docs/reference.md), parsed strictly: an unknown parameter, a value given
/// twice or a value that does not parse is an error whose message says what was wrong, so a dashboard with a typo
/// in a query shows the error instead of an unfiltered list. An empty value or <c>*</c> filters nothing (a Grafana
/// variable set to "All" with <c>*</c> as its all value).
/// </summary>
internal sealed class TaskQuery
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    private static readonly string[] Known =
        ["use_case", "outcome", "model", "environment", "variant", "from", "to", "min_cost_usd", "sort", "limit"];

    public string? UseCase { get; private init; }
    public Outcome? Outcome { get; private init; }
    public string? Model { get; private init; }
    public string? Environment { get; private init; }
    public string? Variant { get; private init; }
    public DateTimeOffset? From { get; private init; }
    public DateTimeOffset? To { get; private init; }
    public decimal? MinCostUsd { get; private init; }
    public bool ByCost { get; private init; }
    public int Limit { get; private init; } = DefaultLimit;

    /// <summary>Parses the query string; null and a message when it is not a valid query.</summary>
    public static TaskQuery? Parse(IQueryCollection query, out string? error)
    {
        if (!QueryParameters.AreKnownOnce(query, Known, out error)) return null;

        string? Value(string key) => QueryParameters.Value(query, key);
        // A label filter goes through the rule every label value went through, so the name a client sent in its spans
        // (control characters, separators, a value past the cut) finds its tasks as well as the value the API shows.
        string? Label(string key) => Value(key) is { } value ? LabelValueCache.Decode(Encoding.UTF8.GetBytes(value)) : null;
        try
        {
            return new TaskQuery
            {
                UseCase = Label("use_case"),
                Outcome = Value("outcome") is { } outcome ? ParseOutcome(outcome) : null,
                Model = Label("model"),
                Environment = Label("environment"),
                Variant = Label("variant"),
                From = Value("from") is { } from ? ParseTime("from", from) : null,
                To = Value("to") is { } to ? ParseTime("to", to) : null,
                MinCostUsd = Value("min_cost_usd") is { } cost ? ParseCost(cost) : null,
                ByCost = Value("sort") switch
                {
                    null or "time" => false,
                    "cost" => true,
                    string other => throw new FormatException($"sort={other}: use 'cost' (most expensive first) or 'time' (newest first)"),
                },
                Limit = Value("limit") is { } limit ? ParseLimit(limit) : DefaultLimit,
            };
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    public bool Matches(in TaskRecord task)
    {
        if (UseCase is not null && task.Labels.UseCase != UseCase) return false;
        if (Outcome is { } outcome && task.Labels.Outcome != outcome) return false;
        if (Model is not null && task.Labels.Model != Model) return false;
        if (Environment is not null && task.Labels.Environment != Environment) return false;
        if (Variant is not null && task.Labels.Variant != Variant) return false;
        if (MinCostUsd is { } min && task.CostUsd < min) return false;
        if (From is not null || To is not null)
        {
            DateTimeOffset end = TaskTimes.End(in task);
            if (end < From || end > To) return false;
        }
        return true;
    }

    private static Outcome ParseOutcome(string value) => OutcomeLabels.TryParse(value, out Outcome outcome)
        ? outcome
        : throw new FormatException($"outcome={value}: use {Primitives.Outcome.Success.LabelValue()}, {Primitives.Outcome.Failure.LabelValue()} or {Primitives.Outcome.Unknown.LabelValue()}");

    /// <summary>Epoch milliseconds (Grafana's <c>${__from}</c>) or RFC 3339; the billing API reads its range alike.</summary>
    /// <exception cref="FormatException">Neither; the message names <paramref name="key"/> and what to give.</exception>
    internal static DateTimeOffset ParseTime(string key, string value)
    {
        if (long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms)
            && ms <= DateTimeOffset.MaxValue.ToUnixTimeMilliseconds())
            return DateTimeOffset.FromUnixTimeMilliseconds(ms);
        if (DateTimeOffset.TryParseExact(value, ["yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mm:ssK"], CultureInfo.InvariantCulture,
                DateTimeStyles.None, out DateTimeOffset time))
            return time;
        throw new FormatException($"{key}={value}: give epoch milliseconds (Grafana's ${{__from}}) or RFC 3339 (2026-01-31T12:00:00Z)");
    }

    private static decimal ParseCost(string value)
    {
        if (decimal.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out decimal cost)) return cost;
        throw new FormatException($"min_cost_usd={value}: give a non-negative number of US dollars, such as 0.25");
    }

    private static int ParseLimit(string value)
    {
        if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int limit) && limit is >= 1 and <= MaxLimit) return limit;
        throw new FormatException($"limit={value}: give a whole number from 1 to {MaxLimit}");
    }
}
