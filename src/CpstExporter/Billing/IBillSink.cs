namespace CpstExporter.Billing;

/// <summary>
/// Where bill sources (FOCUS import, the cost API pollers) hand what they read. Calls may come from several threads.
/// </summary>
internal interface IBillSink
{
    /// <summary>Replaces <paramref name="snapshot"/>'s scope with its amounts and marks the source imported now.</summary>
    void Replace(BillSnapshot snapshot);

    /// <summary>
    /// Drops a scope that no longer exists (a FOCUS file deleted from the directory); its amounts stop counting.
    /// </summary>
    void Remove(BillingSource source, string scope);

    /// <summary>
    /// Counts an import that failed (<c>cpst_billing_import_failures_total{source}</c>); what the source said before
    /// stays. <paramref name="reason"/> is for the log: it must never carry a key.
    /// </summary>
    void Failed(BillingSource source, string reason);
}
