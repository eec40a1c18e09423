namespace CpstExporter.Billing.Focus;

/// <summary>
/// What one FOCUS file says: its counted rows summed by day, provider and account, and what was read and skipped, for
/// the import's log line.
/// </summary>
/// <param name="Amounts">In day, provider and account order.</param>
/// <param name="Rows">Rows read, the header not counted.</param>
/// <param name="Counted">Rows whose cost counts.</param>
/// <param name="NotUsage">Rows skipped for their <c>ChargeCategory</c>.</param>
/// <param name="NotAiService">Usage rows skipped as not AI/ML.</param>
/// <param name="UnknownProvider">AI/ML usage rows skipped for want of a known provider.</param>
/// <param name="UnknownServices">The first few service names of those, to map with <c>Cpst:Billing:Focus:Providers</c>.</param>
/// <param name="Usd">The counted rows' USD.</param>
internal sealed record FocusFileContent(
    IReadOnlyList<BilledAmount> Amounts, long Rows, long Counted, long NotUsage, long NotAiService, long UnknownProvider,
    IReadOnlyList<string> UnknownServices, decimal Usd);
