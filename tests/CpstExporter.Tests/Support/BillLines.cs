using System.Globalization;
using CpstExporter.Billing;

namespace CpstExporter.Tests.Support;

/// <summary>Billed amounts as one line each, "2025-03-01 aws.bedrock 111111111111 17.5", so a whole bill compares as text to the last digit.</summary>
internal static class BillLines
{
    public static string Line(BilledAmount amount) =>
        $"{amount.Day:yyyy-MM-dd} {amount.Provider} {amount.Account} {(amount.Usd / 1.0000000000000000000000000000m).ToString(CultureInfo.InvariantCulture)}";

    public static string[] Lines(IEnumerable<BilledAmount> amounts) => [.. amounts.Select(Line)];
}
