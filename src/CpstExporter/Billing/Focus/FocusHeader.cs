namespace CpstExporter.Billing.Focus;

/// <summary>
/// Where the columns the import reads stand in a file, from its header row. The names are FOCUS's column ids, the same
/// in 1.0, 1.1 and 1.2, matched without regard to case. The provider is <c>ProviderName</c>, or
/// <c>ServiceProviderName</c>, the name later FOCUS drafts give it; <c>PublisherName</c> and <c>SubAccountId</c> may be
/// absent (then empty). Every other column is left alone.
/// </summary>
internal sealed class FocusHeader
{
    public const string ChargeCategoryColumn = "ChargeCategory";
    public const string ServiceCategoryColumn = "ServiceCategory";
    public const string ServiceNameColumn = "ServiceName";
    public const string ProviderNameColumn = "ProviderName";
    public const string ServiceProviderNameColumn = "ServiceProviderName";
    public const string PublisherNameColumn = "PublisherName";
    public const string BilledCostColumn = "BilledCost";
    public const string BillingCurrencyColumn = "BillingCurrency";
    public const string ChargePeriodStartColumn = "ChargePeriodStart";
    public const string SubAccountIdColumn = "SubAccountId";

    /// <summary>Columns a file must have.</summary>
    private static readonly string[] Required =
        [ChargeCategoryColumn, ServiceCategoryColumn, ServiceNameColumn, BilledCostColumn, BillingCurrencyColumn, ChargePeriodStartColumn];

    private FocusHeader(Dictionary<string, int> columns, int count)
    {
        Count = count;
        ChargeCategory = columns[ChargeCategoryColumn];
        ServiceCategory = columns[ServiceCategoryColumn];
        ServiceName = columns[ServiceNameColumn];
        BilledCost = columns[BilledCostColumn];
        BillingCurrency = columns[BillingCurrencyColumn];
        ChargePeriodStart = columns[ChargePeriodStartColumn];
        Provider = columns.TryGetValue(ServiceProviderNameColumn, out int serviceProvider) ? serviceProvider : columns[ProviderNameColumn];
        Publisher = columns.GetValueOrDefault(PublisherNameColumn, -1);
        SubAccountId = columns.GetValueOrDefault(SubAccountIdColumn, -1);
    }

    /// <summary>Fields in every row.</summary>
    public int Count { get; }

    public int ChargeCategory { get; }
    public int ServiceCategory { get; }
    public int ServiceName { get; }
    public int BilledCost { get; }
    public int BillingCurrency { get; }
    public int ChargePeriodStart { get; }
    public int Provider { get; }

    /// <summary>-1 when the file has no such column.</summary>
    public int Publisher { get; }

    /// <summary>-1 when the file has no such column.</summary>
    public int SubAccountId { get; }

    /// <summary>Reads the header row, the first record.</summary>
    /// <exception cref="FocusFileException">No header, a column named twice, or a required column missing.</exception>
    public static FocusHeader Read(CsvRecordReader csv)
    {
        if (!csv.Read()) throw new FocusFileException("the file is empty: a FOCUS file starts with a header row of column names");
        var columns = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < csv.FieldCount; i++)
        {
            string name = csv.Field(i).Trim().ToString();
            if (name.Length > 0 && !columns.TryAdd(name, i))
                throw new FocusFileException($"the header names the column {FocusFileException.Shown(name)} twice");
        }
        string[] missing = [.. Required.Where(c => !columns.ContainsKey(c))];
        if (!columns.ContainsKey(ProviderNameColumn) && !columns.ContainsKey(ServiceProviderNameColumn)) missing = [.. missing, ProviderNameColumn];
        if (missing.Length > 0)
            throw new FocusFileException($"the header has no column {string.Join(", ", missing)}: not a FOCUS 1.0–1.2 file " +
                "(export the FOCUS table or view, not the provider's own cost report)");
        return new FocusHeader(columns, csv.FieldCount);
    }
}
