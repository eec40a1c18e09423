namespace CpstExporter.Billing;

/// <summary>Where a bill comes from: the <c>source</c> label of <c>cpst_billing_last_import_timestamp_seconds</c> and <c>cpst_billing_import_failures_total</c>.</summary>
internal enum BillingSource
{
    /// <summary>FOCUS CSV exports in the watched directory.</summary>
    Focus,

    /// <summary>OpenAI's organization costs API.</summary>
    OpenAI,

    /// <summary>Anthropic's cost report API.</summary>
    Anthropic,
}
