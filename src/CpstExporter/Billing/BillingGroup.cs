namespace CpstExporter.Billing;

/// <summary>What the rows of <c>GET /api/v1/billing</c> are grouped by (<c>group_by</c>).</summary>
internal enum BillingGroup
{
    /// <summary>One row per day and provider.</summary>
    Day,

    /// <summary>One row per provider over the range.</summary>
    Provider,

    /// <summary>One row per provider and account over the range, billed only: traced cost has no account.</summary>
    Account,
}
