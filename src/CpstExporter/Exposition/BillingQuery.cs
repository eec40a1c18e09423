using System.Text;
using CpstExporter.Billing;
using CpstExporter.Conventions;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Exposition;

/// <summary>
/// The parameters of <c>GET /api/v1/billing</c> (docs/billing.md, "The billing API"), parsed as strictly as the task
/// API's (<see cref="TaskQuery"/>): an unknown parameter, one given twice or a value that does not parse is an error
/// whose message says what was wrong. <c>from</c>/<c>to</c> are read as the task API reads them and name the UTC days
/// they fall on, both included; an empty value or <c>*</c> sets nothing.
/// </summary>
internal sealed class BillingQuery
{
    private static readonly string[] Known = ["from", "to", "provider", "group_by"];

    /// <summary>The first day; by default the first the bill and the ledger keep.</summary>
    public required DateOnly From { get; init; }

    /// <summary>The last day; by default today (UTC).</summary>
    public required DateOnly To { get; init; }

    public string? Provider { get; private init; }
    public BillingGroup Group { get; private init; }

    /// <summary>Parses the query string against <paramref name="today"/>; null and a message when it is not a valid query.</summary>
    public static BillingQuery? Parse(IQueryCollection query, DateOnly today, out string? error)
    {
        if (!QueryParameters.AreKnownOnce(query, Known, out error)) return null;

        string? Value(string key) => QueryParameters.Value(query, key);
        try
        {
            var parsed = new BillingQuery
            {
                From = Value("from") is { } from ? Day("from", from) : BillingWindow.KeptFrom(today),
                To = Value("to") is { } to ? Day("to", to) : today,
                // As any label value is written, so the provider a span or a bill spelled finds its rows.
                Provider = Value("provider") is { } provider ? LabelValueCache.Decode(Encoding.UTF8.GetBytes(provider)).ToLowerInvariant() : null,
                Group = Value("group_by") switch
                {
                    null or "day" => BillingGroup.Day,
                    "provider" => BillingGroup.Provider,
                    "account" => BillingGroup.Account,
                    string other => throw new FormatException($"group_by={other}: use 'day' (a row per day and provider, the default), 'provider' or 'account'"),
                },
            };
            if (parsed.From > parsed.To)
                throw new FormatException($"from={Value("from")} is after to={Value("to") ?? "today"}: give a range whose start is not after its end");
            return parsed;
        }
        catch (FormatException e)
        {
            error = e.Message;
            return null;
        }
    }

    private static DateOnly Day(string key, string value) => DateOnly.FromDateTime(TaskQuery.ParseTime(key, value).UtcDateTime);
}
