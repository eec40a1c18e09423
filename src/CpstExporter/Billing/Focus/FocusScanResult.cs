namespace CpstExporter.Billing.Focus;

/// <summary>What one look at the FOCUS directory did.</summary>
/// <param name="Imported">Files read and handed on whole (new or changed).</param>
/// <param name="Refused">Files refused; their earlier import, if any, stays.</param>
/// <param name="Removed">Imported files no longer in the directory.</param>
/// <param name="Settling">Changed files not read yet: still changing, or changed while read.</param>
internal readonly record struct FocusScanResult(int Imported, int Refused, int Removed, int Settling);
