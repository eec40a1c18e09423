using System.Globalization;
using System.Text.Json;
using CpstExporter.Billing;
using Microsoft.AspNetCore.Http;

namespace CpstExporter.Exposition;

/// <summary>
/// <c>GET /api/v1/billing</c> (docs/billing.md, "The billing API"): the imported bill beside the traced cost, as a flat
/// JSON array of rows for Grafana's Infinity datasource, on the metrics listener behind the metrics tokens like the task
/// API. Money is written as exact decimals, without trailing zeros.
/// </summary>
internal sealed class BillingApiEndpoint(BillStore bill, TracedCostLedger ledger, TimeProvider time)
{
    public const string Path = "/api/v1/billing";

    public Task BillingAsync(HttpContext context)
    {
        if (BillingQuery.Parse(context.Request.Query, BillingWindow.Today(time), out string? error) is not { } query)
            return TaskApiEndpoint.BadRequest(context, error!);
        List<BillingRow> rows = BillingReport.Rows(bill.View, ledger.ByDayAndProvider(), query.From, query.To, query.Provider, query.Group);
        return TaskApiEndpoint.WriteAsync(context, StatusCodes.Status200OK, json =>
        {
            json.WriteStartArray();
            foreach (BillingRow row in rows) WriteRow(json, in row);
            json.WriteEndArray();
        });
    }

    private static void WriteRow(Utf8JsonWriter json, in BillingRow row)
    {
        json.WriteStartObject();
        if (row.Day is DateOnly day) json.WriteString("day", day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        else json.WriteNull("day");
        json.WriteString("provider", row.Provider);
        if (row.Account is string account) json.WriteString("account", account);
        else json.WriteNull("account");
        WriteUsd(json, "billed_usd", row.BilledUsd);
        WriteUsd(json, "traced_usd", row.TracedUsd);
        WriteUsd(json, "untraced_usd", row.UntracedUsd);
        WriteUsd(json, "coverage", row.Coverage);
        json.WriteEndObject();
    }

    /// <summary>An exact decimal without trailing zeros (0.0045, not 0.004500000), or null.</summary>
    private static void WriteUsd(Utf8JsonWriter json, string name, decimal? value)
    {
        if (value is decimal v) json.WriteNumber(name, v / 1.000000000000000000000000000000000m);
        else json.WriteNull(name);
    }
}
